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

// v3Arg is one parameter as given: a single value, or a list given in the bracket form that
// query-string libraries use for arrays (fields[type][]=a&fields[type][]=b, included[0]=webhook).
type v3Arg struct {
	key   string // the first key as given, named in errors
	value string
	items []string
	list  bool
}

// listElement reports whether key is an element of a list parameter (its base, then "[]" or
// "[n]"): included, include, fields[type] and filter[field].
func listElement(key string) (base string, index int, ok bool) {
	open := strings.LastIndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return "", 0, false
	}
	base, idx := key[:open], key[open+1:len(key)-1]
	index = -1
	if idx != "" {
		if len(idx) > 4 || !allDigits(idx) {
			return "", 0, false
		}
		index, _ = strconv.Atoi(idx)
	}
	if base == "included" || base == "include" {
		return base, index, true
	}
	name, _, bracketed := splitBracket(base)
	return base, index, bracketed && (name == "fields" || name == "filter")
}

// v3Args groups the query's parameters, checking what every parameter must satisfy.
func v3Args(raw string) (map[string]*v3Arg, []string, *queryError) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, nil, badParam("", "the query string is malformed: %v", err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first bad parameter named is the same on every run
	args := map[string]*v3Arg{}
	var order []string
	type indexed struct {
		i int
		v string
	}
	numbered := map[string][]indexed{}
	for _, key := range keys {
		vs := values[key]
		if !utf8.ValidString(key) || !utf8.ValidString(strings.Join(vs, "")) {
			return nil, nil, badParam("", "the query string is not valid UTF-8")
		}
		if key == "" {
			return nil, nil, badParam("", "the query string has a parameter without a name")
		}
		if strings.ContainsRune(key+strings.Join(vs, ""), 0) {
			return nil, nil, badParam(key, "%s must not contain NUL bytes", key)
		}
		base, index, isList := listElement(key)
		if !isList {
			base = key
		}
		a := args[base]
		switch {
		case a == nil:
			a = &v3Arg{key: key, list: isList}
			args[base] = a
			order = append(order, base)
		case a.list != isList:
			return nil, nil, badParam(key, "%s is given both as a list and as one value", base)
		}
		switch {
		case !isList && len(vs) != 1:
			return nil, nil, badParam(key, "%s must be given once", key)
		case !isList:
			a.value = vs[0]
		case index < 0:
			a.items = append(a.items, vs...)
		case len(vs) != 1:
			return nil, nil, badParam(key, "%s must be given once", key)
		default:
			numbered[base] = append(numbered[base], indexed{index, vs[0]})
		}
	}
	for base, els := range numbered {
		slices.SortFunc(els, func(x, y indexed) int { return x.i - y.i })
		for _, e := range els {
			args[base].items = append(args[base].items, e.v)
		}
	}
	slices.Sort(order)
	return args, order, nil
}

// parseV3Query checks a raw query string. list tells the list route from the show route, which
// takes only fields and included.
func parseV3Query(raw string, list bool) (*v3Query, *queryError) {
	args, order, qe := v3Args(raw)
	if qe != nil {
		return nil, qe
	}
	q := &v3Query{Page: 1, Size: defaultPageSize}
	for _, base := range order {
		a := args[base]
		key, v := a.key, a.value
		if a.list {
			for _, it := range a.items {
				if it == "" || strings.Contains(it, ",") && !strings.HasPrefix(base, "filter[") {
					return nil, badParam(key, "%s has an empty or comma-separated item; give one name per item", key)
				}
			}
			v = strings.Join(a.items, ",")
		}
		name, inner, bracketed := splitBracket(base)
		var qe *queryError
		switch {
		case base == "included" || base == "include":
			qe = q.parseInclude(key, v)
		case bracketed && name == "fields":
			qe = q.parseFields(key, inner, v)
		case !list:
			return nil, badParam(key, "unknown parameter %s: this route takes only fields[...] and included", key)
		case base == "page[number]":
			q.Page, qe = intValue(key, v, 1, maxPageNumber)
		case base == "page[size]":
			q.Size, qe = intValue(key, v, 1, maxPageSize)
		case base == "sort":
			qe = q.parseSort(key, v)
		case base == "count":
			switch v {
			case "true":
				q.Count = true
			case "false":
			default:
				qe = badParam(key, "count must be true or false, got %q", v)
			}
		case bracketed && name == "filter":
			qe = q.parseFilter(key, inner, v, a.items, a.list)
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

// parseFilter reads filter[inner]; a list form gives its values as items, one per element.
func (q *v3Query) parseFilter(param, inner, v string, items []string, list bool) *queryError {
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
	switch {
	case list && hasOp:
		return badParam(param, "%s takes one value, not a list", param)
	case list:
		for _, it := range items {
			if it == "" {
				return badParam(param, "%s has an empty item", param)
			}
		}
	case v == "":
		return badParam(param, "%s needs a value", param)
	case !hasOp && (field == "headers" || field == "body"):
		items = []string{v} // free text: commas are part of the value
	default:
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
