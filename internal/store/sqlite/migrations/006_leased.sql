-- leased marks a delivery a worker holds (its next_at is then the lease's end), so that moving
-- a webhook's waiting deliveries (a recovering receiver's backlog) never takes one in flight.
ALTER TABLE deliveries ADD COLUMN leased INTEGER NOT NULL DEFAULT 0;
