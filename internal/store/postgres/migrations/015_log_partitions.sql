-- The log's two largest tables, attempts and events, are partitioned by id, a day per
-- partition: ids begin with the millisecond they were made at, so a day's rows are one range
-- of ids (webhook.FirstID at each midnight, UTC). Retention drops a day whole instead of
-- deleting its rows (partitions.go), and the store creates the coming days' partitions ahead.
--
-- What is here becomes the history partition, [MINVALUE, first id of the day after the newest
-- row or after today): attaching it reads it once to check that range. Its rows go by batches
-- as before, and the partition itself is dropped once all of it is past the retention.

CREATE OR REPLACE FUNCTION pg_temp.first_id(prefix TEXT, at_ms BIGINT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	body TEXT := '';
	v BIGINT := at_ms;
BEGIN
	FOR i IN 1..10 LOOP
		body := substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (v % 32)::INT + 1, 1) || body;
		v := v / 32;
	END LOOP;
	RETURN prefix || body || '0000000000000000';
END $$;

-- id_ms is the millisecond an id (prefix included) was made at.
CREATE OR REPLACE FUNCTION pg_temp.id_ms(prefix TEXT, id TEXT) RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v BIGINT := 0;
BEGIN
	FOR i IN 1..10 LOOP
		v := v * 32 + greatest(strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(id, length(prefix) + i, 1)) - 1, 0);
	END LOOP;
	RETURN v;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.partition_log(tab TEXT, prefix TEXT, indexes TEXT[]) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
	day CONSTANT BIGINT := 86400000;
	newest TEXT;
	upto BIGINT := (extract(epoch FROM now()) * 1000)::BIGINT;
	idx TEXT;
BEGIN
	EXECUTE format('SELECT max(id) FROM %I', tab) INTO newest;
	IF newest IS NOT NULL THEN
		upto := greatest(upto, pg_temp.id_ms(prefix, newest));
	END IF;
	upto := (upto / day + 1) * day;
	EXECUTE format('ALTER TABLE %I RENAME TO %I', tab, tab || '_history');
	EXECUTE format('ALTER INDEX %I RENAME TO %I', tab || '_pkey', tab || '_history_pkey');
	FOREACH idx IN ARRAY indexes LOOP
		EXECUTE format('ALTER INDEX %I RENAME TO %I', idx, replace(idx, tab, tab || '_history'));
	END LOOP;
	EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id)', tab, tab || '_history');
	EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id)', tab);
	EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', tab, tab || '_history', pg_temp.first_id(prefix, upto));
END $$;

SELECT pg_temp.partition_log('attempts', 'atmpt_', ARRAY['attempts_delivery', 'attempts_webhook', 'attempts_webhook_created']);
CREATE INDEX attempts_delivery ON attempts(delivery_id, id);
CREATE INDEX attempts_webhook ON attempts(webhook_id, id);
CREATE INDEX attempts_webhook_created ON attempts(webhook_id, created_at, id);

SELECT pg_temp.partition_log('events', 'msg_', ARRAY['events_app']);
CREATE INDEX events_app ON events(app_id, id);
