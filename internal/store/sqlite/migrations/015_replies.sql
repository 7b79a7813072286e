-- What a POST of Svix's API answered under an idempotency-key (store.Replies): status 0 while
-- it is being answered. Kept a day; retention deletes them with the events' keys.
CREATE TABLE replies (
	scope TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	request TEXT NOT NULL,
	status INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (scope, idem_key)
);
CREATE INDEX replies_created ON replies(created_at);
