-- admin belongs to the operator: it manages every app, so only an operator key may hold it.
-- Which keys were the operator's cannot be known for sure, so the rule is this: the operator's
-- app is the app of the oldest key (the key "serve" makes on a fresh store, or else the first
-- one made with "keys create"); its keys that hold admin become operator keys, and every other
-- key loses admin (the operator makes new operator keys with "keys create --operator").
ALTER TABLE api_keys ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
UPDATE api_keys SET operator = 1
	WHERE ',' || scopes || ',' LIKE '%,admin,%'
		AND app_id = (SELECT app_id FROM api_keys ORDER BY created_at, id LIMIT 1);
UPDATE api_keys SET scopes = trim(replace(',' || scopes || ',', ',admin,', ','), ',')
	WHERE operator = 0 AND ',' || scopes || ',' LIKE '%,admin,%';

-- Custom header values are secrets: the request headers recorded on attempts show them masked.
-- Those recorded before keep hookd's own headers and mask every other value.
UPDATE attempts SET request_headers = (
		SELECT json_group_object(key, CASE WHEN lower(key) IN ('content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature')
			THEN value ELSE '********' END)
		FROM json_each(attempts.request_headers))
	WHERE EXISTS (SELECT 1 FROM json_each(attempts.request_headers)
		WHERE lower(key) NOT IN ('content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature'));
