-- admin belongs to the operator: it manages every app, so only an operator key may hold it.
-- Which keys were the operator's cannot be known for sure, so the rule is this: the operator's
-- app is the app of the oldest key (the key "serve" makes on a fresh store, or else the first
-- one made with "keys create"); its keys that hold admin become operator keys, and every other
-- key loses admin (the operator makes new operator keys with "keys create --operator").
ALTER TABLE api_keys ADD COLUMN operator BOOLEAN NOT NULL DEFAULT false;
UPDATE api_keys SET operator = true
	WHERE ',' || scopes || ',' LIKE '%,admin,%'
		AND app_id = (SELECT app_id FROM api_keys ORDER BY created_at, id LIMIT 1);
UPDATE api_keys SET scopes = trim(both ',' from replace(',' || scopes || ',', ',admin,', ','))
	WHERE NOT operator AND ',' || scopes || ',' LIKE '%,admin,%';

-- Custom header values are secrets: the request headers recorded on attempts show them masked.
-- Those recorded before keep hookd's own headers and mask every other value. A record holding
-- an escaped NUL (a header HTTP refused to send) cannot be read as json text here: it is
-- emptied instead, as that request never left.
UPDATE attempts SET request_headers = '{}' WHERE strpos(request_headers, '\u0000') > 0;
UPDATE attempts SET request_headers = (
		SELECT COALESCE(json_object_agg(key, CASE WHEN lower(key) IN ('content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature')
			THEN value ELSE '********' END), '{}')::text
		FROM json_each_text(attempts.request_headers::json))
	WHERE EXISTS (SELECT 1 FROM json_each_text(attempts.request_headers::json)
		WHERE lower(key) NOT IN ('content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature'));
