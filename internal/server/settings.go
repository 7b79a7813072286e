package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/hookd/hookd/internal/webhook"
)

// decodeSettings is decode for a webhook's settings. Bytes that are not UTF-8 are refused with
// a 400 naming the field: the JSON decoder would otherwise replace them silently, and the
// webhook would not hold what was sent.
func decodeSettings(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSettingsBody))
	if err != nil {
		return decodeError(err, maxSettingsBody)
	}
	if !utf8.Valid(body) {
		return webhook.Errorf(webhook.EInvalid, "%s is not valid UTF-8", nonUTF8Field(body))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(w, r, maxSettingsBody, v)
}

// nonUTF8Field names where in a JSON object the bytes that are not UTF-8 are: a field, or the
// value of one custom header (named by its header, never shown: it may be a credential).
func nonUTF8Field(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "request body"
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if utf8.Valid(fields[name]) {
			continue
		}
		var headers map[string]json.RawMessage
		if name == "headers" && json.Unmarshal(fields[name], &headers) == nil {
			for header, v := range headers {
				if !utf8.Valid(v) {
					return fmt.Sprintf("headers: the value of %q", header)
				}
			}
		}
		return name
	}
	return "request body" // a field's name itself
}

// unmaskHeaders lets a client send back the webhook object it read: a header whose value is
// the mask keeps the value it has. A header the webhook does not have yet cannot take the mask
// as its value: that is a copy of an object read elsewhere, without the real value.
func unmaskHeaders(in, current map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for name, v := range in {
		if v == webhook.HeaderMask {
			cur, ok := current[name]
			if !ok {
				return nil, webhook.Errorf(webhook.EInvalid, "headers: the value of %q is %s, which hookd shows in place of a header's value; send the value itself", name, webhook.HeaderMask)
			}
			v = cur
		}
		out[name] = v
	}
	return out, nil
}
