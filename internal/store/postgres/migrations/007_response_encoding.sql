-- A response body that is not text (binary bytes, invalid UTF-8, NUL) is kept base64-encoded,
-- with response_encoding = 'base64' (webhook.Attempt.ResponseText); text stays as it is.
ALTER TABLE attempts ADD COLUMN response_encoding TEXT NOT NULL DEFAULT '';
