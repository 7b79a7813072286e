package server

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// operation is one documented route. Its responses follow from what it is: every route behind
// requireScope can answer 401, 403, 429 and 503 in its family's error shape and carries the
// X-RateLimit headers once admitted; errors lists what its handler can add.
type operation struct {
	method, path string
	id           string // operationId: unique, camelCase, never renamed (clients are generated from it)
	tag          string
	summary      string
	note         string // more of the description, after what the scope says
	scope        string // the scope it needs; anyCredential for none; "" for a public route
	family       family
	params       []obj
	body         obj  // request body schema; nil when it takes none
	bodyOptional bool // the body may be left out
	status       int  // success status
	result       obj  // success body schema; nil for an empty body
	errors       []int
	headers      obj // more headers of the success response, by name
	responses    obj // responses that fit no rule above (a public route's own shapes), by status
}

const contentJSON = "application/json"

// anyCredential is the scope of a route that any valid key or portal session may call.
const anyCredential = "*"

// familyError names each family's error schema and content type, and the schema of its 422
// when that has a shape of its own (Svix's validation errors).
var familyError = map[family]struct{ schema, contentType, unprocessable string }{
	v0: {schema: "V0Error", contentType: contentJSON},
	v1: {schema: "V1Error", contentType: contentJSON},
	v3: {schema: "V3Error", contentType: jsonAPI},
	sx: {schema: "SvixError", contentType: contentJSON, unprocessable: "SvixValidationError"},
}

// openAPIName is how the document names f: V0, V1, V3 or Svix.
func (f family) openAPIName() string { return strings.TrimSuffix(familyError[f].schema, "Error") }

// errorSchema is the schema of f's answers with status st.
func (f family) errorSchema(st int) string {
	fe := familyError[f]
	if st == http.StatusUnprocessableEntity && fe.unprocessable != "" {
		return fe.unprocessable
	}
	return fe.schema
}

// errorSchemas are the families' error bodies (errors.go, writeTooMany, handleCallWrite,
// writeSvixError).
func errorSchemas() obj {
	return obj{
		"V0Error": object(obj{
			"statusCode": integer("The HTTP status"),
			"message":    text("What went wrong"),
			"error":      text("The HTTP status text"),
			"details":    text("More about it"),
		}, "details"),
		"V1Error": object(obj{
			"code":   enum("", "invalid", "not_found", "conflict", "too_large", "unauthorized", "forbidden", "unavailable", "internal", "rate_limited"),
			"detail": text("What went wrong"),
		}),
		"V3Error": object(obj{"errors": arrayOf(object(obj{
			"status": text("The HTTP status, as a string"),
			"title":  text("The HTTP status text"),
			"detail": text("What went wrong"),
			"source": object(obj{"parameter": text("The query parameter at fault")}),
		}, "source"))}),
		"SvixError": object(obj{
			"code":   enum("Svix's code for the status", svixErrorCodes()...),
			"detail": text("What went wrong"),
		}),
		"SvixValidationError": object(obj{"detail": arrayOf(object(obj{
			"loc":  arrayOf(text("")),
			"msg":  text("What is wrong, naming the field"),
			"type": text("The kind of error: value_error"),
		}))}),
	}
}

// svixErrorCodes are the codes a SvixError can hold (writeSvixError, writeTooMany).
func svixErrorCodes() []string {
	codes := append(slices.Collect(maps.Values(svixCodes)), svixServerError, "rate_limited")
	slices.Sort(codes)
	return codes
}

// authErrors are the statuses every authenticated route can answer before its handler runs.
var authErrors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable}

// errorDescriptions say when each error status is answered.
var errorDescriptions = map[int]string{
	http.StatusBadRequest:            "Invalid input: a malformed id, query parameter or body; the message names it",
	http.StatusUnauthorized:          "Credentials missing or invalid, or the portal session expired",
	http.StatusForbidden:             "The key is inactive, does not hold the scope this route needs, or is a portal session, which this route refuses",
	http.StatusNotFound:              "Not found; another app's object answers exactly the same",
	http.StatusMethodNotAllowed:      "Not allowed on this resource",
	http.StatusConflict:              "The current state does not allow it; the message says why",
	http.StatusRequestEntityTooLarge: "The body or a payload is larger than the limit, which the message states",
	http.StatusUnprocessableEntity:   "Invalid input: a malformed body, field or query parameter; loc names the field when it can",
	http.StatusTooManyRequests:       "Rate limit exceeded; retry after Retry-After seconds",
	http.StatusServiceUnavailable:    "The store is unavailable; retry after Retry-After seconds (events: with the same Idempotency-Key)",
	http.StatusNotImplemented:        "hookd does not offer this operation; the detail says why",
}

// errorResponseName is the component holding f's answer with status st, e.g. V0NotFound.
func errorResponseName(f family, st int) string {
	return f.openAPIName() + strings.ReplaceAll(http.StatusText(st), " ", "")
}

// errorResponse is f's answer with status st, with the headers that status carries. Only 401,
// 403 and 503 can come before the request was admitted, so only they lack the X-RateLimit headers.
func errorResponse(f family, st int) obj {
	r := obj{"description": errorDescriptions[st], "content": obj{familyError[f].contentType: obj{"schema": ref(f.errorSchema(st))}}}
	var headers obj
	switch st {
	case http.StatusUnauthorized, http.StatusForbidden:
	case http.StatusServiceUnavailable:
		headers = obj{"Retry-After": headerRef("RetryAfter")}
	case http.StatusMethodNotAllowed:
		headers = obj{"Allow": headerRef("Allow")}
	case http.StatusTooManyRequests:
		headers = extend(rateLimitHeaders(), obj{"Retry-After": headerRef("RetryAfter")})
	default:
		headers = rateLimitHeaders()
	}
	if headers != nil {
		r["headers"] = headers
	}
	return r
}

func headerRef(name string) obj { return obj{"$ref": "#/components/headers/" + name} }

func rateLimitHeaders() obj {
	return obj{"X-RateLimit-Limit": headerRef("RateLimitLimit"), "X-RateLimit-Remaining": headerRef("RateLimitRemaining"),
		"X-RateLimit-Reset": headerRef("RateLimitReset")}
}

// openAPIHeaders are the response headers operations share.
func openAPIHeaders() obj {
	h := func(desc string, schema obj) obj { return obj{"description": desc, "required": true, "schema": schema} }
	return obj{
		"RateLimitLimit":     h("Requests allowed in the current window (per hour per key; per second per app for event ingestion when limited)", integer("")),
		"RateLimitRemaining": h("Requests left in the current window", integer("")),
		"RateLimitReset":     h("When the current window ends, in Unix seconds", integer("")),
		"RetryAfter":         h("Seconds to wait before retrying", integer("")),
		"Allow":              h("The methods the resource allows", text("")),
		"Location":           h("Where the created resource can be read", text("")),
	}
}

// build returns the operation's OpenAPI object, and adds the error responses it refers to.
func (o operation) build(errorResponses obj) obj {
	out := obj{"operationId": o.id, "summary": o.summary, "tags": []string{o.tag}}
	if len(o.params) > 0 {
		out["parameters"] = o.params
	}
	switch o.scope {
	case "":
		out["security"] = []any{}
	case anyCredential:
		out["description"] = "Any valid key or portal session; no scope needed."
	default:
		out["description"] = "Requires scope " + o.scope + "."
	}
	if o.note != "" {
		out["description"] = strings.TrimSpace(fmt.Sprint(out["description"]) + " " + o.note)
	}
	if o.scope != "" {
		out["security"] = []any{obj{"clientKey": []any{}, "clientSecret": []any{}}, obj{"bearer": []any{}}}
	}
	if o.body != nil {
		out["requestBody"] = obj{"required": !o.bodyOptional, "content": obj{contentJSON: obj{"schema": o.body}}}
	}

	responses := obj{}
	if o.status != 0 {
		ok := obj{"description": http.StatusText(o.status)}
		if o.result != nil {
			contentType := familyError[o.family].contentType
			ok["content"] = obj{contentType: obj{"schema": o.result}}
		}
		headers := obj{}
		if o.scope != "" {
			headers = rateLimitHeaders()
		}
		headers = extend(headers, o.headers)
		if len(headers) > 0 {
			ok["headers"] = headers
		}
		responses[strconv.Itoa(o.status)] = ok
	}
	statuses := slices.Clone(o.errors)
	if o.scope != "" {
		statuses = append(statuses, authErrors...)
	}
	for _, st := range statuses {
		if o.method == http.MethodHead { // no body: the status and its headers
			r := errorResponse(o.family, st)
			delete(r, "content")
			responses[strconv.Itoa(st)] = r
			continue
		}
		name := errorResponseName(o.family, st)
		errorResponses[name] = errorResponse(o.family, st)
		responses[strconv.Itoa(st)] = obj{"$ref": "#/components/responses/" + name}
	}
	for st, r := range o.responses {
		responses[st] = r
	}
	out["responses"] = responses
	return out
}

// Parameters.

func pathParam(name, desc string) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": text("")}
}

func queryParam(name string, schema obj, desc string) obj {
	return obj{"name": name, "in": "query", "description": desc, "schema": schema}
}

// listOf is a query parameter that takes several values, comma-separated or repeated.
func listOf(name string, items obj, desc string) obj {
	p := queryParam(name, arrayOf(items), desc)
	p["style"], p["explode"] = "form", true
	return p
}

// limitParam is the page size parameter: lo..hi, def by default.
func limitParam(def, hi int) obj {
	return queryParam("limit", between(integer(""), 1, float64(hi)), fmt.Sprintf("Page size, 1–%d (default %d)", hi, def))
}
