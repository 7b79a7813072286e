package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// The /api/v3 query language of seed 003: page[number], page[size], sort, count, filter[...],
// fields[...], included. Everything is checked against fixed lists before it reaches the store;
// anything else is an error naming the parameter.

const (
	callType    = "notification/webhook/calls"
	webhookType = "notification/webhook"

	defaultPageSize = 1000
	maxPageSize     = 1000
	maxPageNumber   = 1_000_000
)

// callAttributes are the attributes of a call, in output order.
var callAttributes = []string{"id", "http_code", "headers", "body", "created_at"}

// webhookAttributes are the attributes of an included webhook.
var webhookAttributes = []string{"id", "numeric_id", "name", "url", "isActive", "encrypted", "created_at", "updated_at"}

// filterOps lists, per filterable field of 003, the comparison operators it accepts besides equality.
var filterOps = map[string][]string{
	"id":         nil,
	"webhook_id": nil,
	"http_code":  {"lte", "gte", "lt", "gt"},
	"headers":    nil,
	"body":       nil,
	"created_at": {"lte", "gte", "lt", "gt"},
}

// v3Query is a checked /api/v3 list or show query.
type v3Query struct {
	store.CallQuery
	Page       int
	Size       int
	WebhookIDs []string            // filter[webhook_id]: numeric or wh_ ids, any of
	Fields     map[string][]string // sparse fieldsets by resource type; absent = every attribute
	Include    bool                // included=webhook
}

// queryError is a bad query parameter: the 400 names it in source.parameter.
type queryError struct {
	param string
	err   *webhook.Error
}

func (e *queryError) Error() string { return e.err.Message }
func (e *queryError) Unwrap() error { return e.err }

func badParam(param, format string, args ...any) *queryError {
	return &queryError{param: param, err: webhook.Errorf(webhook.EInvalid, format, args...)}
}

// parseV3Query checks a raw query string. list tells the list route from the show route, which
// takes only fields and included.
func parseV3Query(raw string, list bool) (*v3Query, *queryError) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badParam("", "the query string is malformed: %v", err)
	}
	q := &v3Query{Page: 1, Size: defaultPageSize}
	q.Limit = defaultPageSize
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first bad parameter named is the same on every run
	for _, key := range keys {
		vs := values[key]
		if !utf8.ValidString(key) || !utf8.ValidString(strings.Join(vs, "")) {
			return nil, badParam("", "the query string is not valid UTF-8")
		}
		if key == "" {
			return nil, badParam("", "the query string has a parameter without a name")
		}
		if len(vs) != 1 {
			return nil, badParam(key, "%s must be given once", key)
		}
		v := vs[0]
		if strings.ContainsRune(key+v, 0) {
			return nil, badParam(key, "%s must not contain NUL bytes", key)
		}
		name, inner, bracketed := splitBracket(key)
		var qe *queryError
		switch {
		case key == "included" || key == "include":
			qe = q.parseInclude(key, v)
		case bracketed && name == "fields":
			qe = q.parseFields(key, inner, v)
		case !list:
			return nil, badParam(key, "unknown parameter %s: this route takes only fields[...] and included", key)
		case key == "page[number]":
			q.Page, qe = intValue(key, v, 1, maxPageNumber)
		case key == "page[size]":
			q.Size, qe = intValue(key, v, 1, maxPageSize)
		case key == "sort":
			qe = q.parseSort(key, v)
		case key == "count":
			switch v {
			case "true":
				q.Count = true
			case "false":
			default:
				qe = badParam(key, "count must be true or false, got %q", v)
			}
		case bracketed && name == "filter":
			qe = q.parseFilter(key, inner, v)
		default:
			qe = badParam(key, "unknown parameter %s", key)
		}
		if qe != nil {
			return nil, qe
		}
	}
	q.Limit, q.Offset = q.Size, (q.Page-1)*q.Size
	return q, nil
}

// splitBracket splits "filter[http_code]" into "filter", "http_code".
func splitBracket(key string) (name, inner string, ok bool) {
	open := strings.IndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return key, "", false
	}
	inner = key[open+1 : len(key)-1]
	if strings.ContainsAny(inner, "[]") {
		return key, "", false
	}
	return key[:open], inner, true
}

func intValue(param, v string, lo, hi int) (int, *queryError) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi || !allDigits(v) {
		return 0, badParam(param, "%s must be an integer between %d and %d, got %q", param, lo, hi, v)
	}
	return n, nil
}

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

// commaList splits v, refusing empty items.
func commaList(param, v string) ([]string, *queryError) {
	parts := strings.Split(v, ",")
	for _, p := range parts {
		if p == "" {
			return nil, badParam(param, "%s has an empty item in %q", param, v)
		}
	}
	return parts, nil
}

func (q *v3Query) parseSort(param, v string) *queryError {
	items, qe := commaList(param, v)
	if qe != nil {
		return qe
	}
	seen := map[string]bool{}
	for _, it := range items {
		field, desc := strings.CutPrefix(it, "-")
		if field != store.CallID && field != store.CallHTTPCode && field != store.CallCreatedAt {
			return badParam(param, "cannot sort by %q: sort takes id, http_code and created_at, each optionally prefixed with -", it)
		}
		if seen[field] {
			return badParam(param, "sort names %s twice", field)
		}
		seen[field] = true
		q.Sort = append(q.Sort, store.CallSort{Field: field, Desc: desc})
	}
	return nil
}

func (q *v3Query) parseInclude(param, v string) *queryError {
	items, qe := commaList(param, v)
	if qe != nil {
		return qe
	}
	for _, it := range items {
		if it != "webhook" {
			return badParam(param, "cannot include %q: calls have one relationship, webhook", it)
		}
	}
	q.Include = true
	return nil
}

func (q *v3Query) parseFields(param, typ, v string) *queryError {
	var allowed []string
	switch typ {
	case callType:
		allowed = callAttributes
	case webhookType:
		allowed = webhookAttributes
	default:
		return badParam(param, "unknown resource type %q: fields takes %s or %s", typ, callType, webhookType)
	}
	if q.Fields == nil {
		q.Fields = map[string][]string{}
	}
	list := []string{}
	if v != "" { // an empty fieldset asks for no attributes
		items, qe := commaList(param, v)
		if qe != nil {
			return qe
		}
		for _, it := range items {
			if !slices.Contains(allowed, it) {
				return badParam(param, "%s has no attribute %q", typ, it)
			}
			list = append(list, it)
		}
	}
	q.Fields[typ] = list
	return nil
}

func (q *v3Query) parseFilter(param, inner, v string) *queryError {
	field, op, hasOp := strings.Cut(inner, "__")
	ops, known := filterOps[field]
	if !known {
		return badParam(param, "cannot filter on %q: filters take id, webhook_id, http_code, headers, body and created_at", field)
	}
	storeOp := store.OpEq
	if hasOp {
		if !slices.Contains(ops, op) {
			if len(ops) == 0 {
				return badParam(param, "%s takes no operator; use filter[%s]", field, field)
			}
			return badParam(param, "unknown operator %q on %s: use lte, gte, lt or gt", op, field)
		}
		storeOp = op
	}
	if v == "" {
		return badParam(param, "%s needs a value", param)
	}
	var items []string
	if !hasOp && (field == "headers" || field == "body") {
		items = []string{v} // free text: commas are part of the value
	} else {
		var qe *queryError
		if items, qe = commaList(param, v); qe != nil {
			return qe
		}
		if hasOp && len(items) != 1 {
			return badParam(param, "%s takes one value", param)
		}
	}
	f := store.CallFilter{Field: field, Op: storeOp}
	for _, it := range items {
		switch field {
		case "webhook_id":
			if !allDigits(it) && !webhook.ValidIDFormat(webhook.PrefixWebhook, it) {
				return badParam(param, "%s must hold webhook ids (integers or wh_ ids), got %q", param, it)
			}
			q.WebhookIDs = append(q.WebhookIDs, it)
			continue
		case store.CallID:
			if !webhook.ValidIDFormat(webhook.PrefixAttempt, it) {
				return badParam(param, "%s must hold call ids (atmpt_…), got %q", param, it)
			}
			f.Values = append(f.Values, it)
		case store.CallHTTPCode:
			n, qe := intValue(param, it, 0, 999)
			if qe != nil {
				return qe
			}
			f.Values = append(f.Values, int64(n))
		case store.CallCreatedAt:
			t, err := time.Parse(time.RFC3339Nano, it)
			if err != nil {
				return badParam(param, "%s must hold ISO 8601 times such as 2024-03-20T12:00:00Z, got %q", param, it)
			}
			f.Values = append(f.Values, t)
		default: // headers, body
			f.Values = append(f.Values, it)
		}
	}
	if field != "webhook_id" {
		q.Filters = append(q.Filters, f)
	}
	return nil
}

// matchesWebhook reports whether filter[webhook_id] (when given) names w.
func (q *v3Query) matchesWebhook(w *webhook.Webhook) bool {
	if q.WebhookIDs == nil {
		return true
	}
	num := strconv.FormatInt(w.NumericID, 10)
	for _, id := range q.WebhookIDs {
		if id == w.ID || strings.TrimLeft(id, "0") == num {
			return true
		}
	}
	return false
}

// wants reports whether attribute attr of typ is in the response.
func (q *v3Query) wants(typ, attr string) bool {
	fs, ok := q.Fields[typ]
	return !ok || slices.Contains(fs, attr)
}
