-- Retention finds the idempotency keys past their window by the time they were made; without
-- an index each round read every key of the window.
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
