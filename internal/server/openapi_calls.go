package server

import (
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPICalls documents /api/v3 (v3.go): a webhook's call log as JSON:API documents.
func openAPICalls() openAPIPart {
	const calls = "/api/v3/notification/webhook/{webhook_id}/calls"
	const call = calls + "/{resource_id}"
	hook := pathParam("webhook_id", "The webhook's numeric_id, or its wh_ id")
	callID := pathParam("resource_id", "Call id (atmpt_…)")
	list := []obj{hook,
		queryParam("page[number]", between(integer(""), 1, maxPageNumber), "Page number, default 1"),
		queryParam("page[size]", between(integer(""), 1, maxPageSize), "Items per page, 1–1000, default 1000"),
		queryParam("sort", text(""), "Comma-separated id, http_code, created_at; - for descending"),
		queryParam("count", boolean(""), "true adds meta.count, the total"),
		queryParam("filter[id]", text(""), "Call ids, comma-separated (any of)"),
		queryParam("filter[webhook_id]", text(""), "Webhook ids, comma-separated (any of)"),
		queryParam("filter[http_code]", text(""), "HTTP codes, comma-separated or a list filter[http_code][]=… (any of)"),
		queryParam("filter[headers]", text(""), "Exact response headers text"),
		queryParam("filter[body]", text(""), "Exact response body"),
		queryParam("filter[created_at]", text(""), "ISO 8601 times, comma-separated (any of)"),
	}
	for _, f := range []string{"http_code", "created_at"} {
		for _, o := range filterOps[f] {
			list = append(list, queryParam("filter["+f+"__"+o+"]", text(""), f+" "+o))
		}
	}
	sparse := []obj{
		queryParam("fields["+callType+"]", text(""), "Attributes of calls to return: "+strings.Join(callAttributes, ", ")+" (comma-separated, or a list: fields[…][]=id)"),
		queryParam("fields["+webhookType+"]", text(""), "Attributes of the included webhook: "+strings.Join(webhookAttributes, ", ")),
		queryParam("included", text(""), "webhook: include the webhook resource (also as a list: included[]=webhook; include is a synonym)"),
	}
	ops := []operation{
		{method: "GET", path: calls, id: "listCalls", summary: "Return a paginated list of notification/webhook/calls",
			params: append(list, sparse...), result: ref("CallList")},
		{method: "GET", path: call, id: "getCall", summary: "Show a specific notification/webhook/calls",
			params: append([]obj{hook, callID}, sparse...), result: ref("CallDocument")},
	}
	for i := range ops {
		ops[i].scope, ops[i].status, ops[i].errors = webhook.ScopeWebhookRead, http.StatusOK, []int{400, 404}
	}
	// The call log is read-only: every write answers 405, whoever asks.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		name := strings.ToLower(m)
		ops = append(ops,
			operation{method: m, path: calls, id: name + "Calls", params: []obj{hook}, errors: []int{http.StatusMethodNotAllowed}},
			operation{method: m, path: call, id: name + "Call", params: []obj{hook, callID}, errors: []int{http.StatusMethodNotAllowed}})
	}
	for i := range ops {
		ops[i].tag, ops[i].family = "calls", v3
		if ops[i].summary == "" {
			ops[i].summary = "Webhook calls are read-only: always 405"
		}
	}
	resource := func(typ, desc string, attributes obj, optional ...string) obj {
		return object(obj{"type": enum("", typ), "id": text(desc), "attributes": attributes, "relationships": ref("CallRelationships")}, optional...)
	}
	allOptional := func(props obj) obj {
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		return object(props, names...)
	}
	return openAPIPart{operations: ops, schemas: obj{
		"Call": resource(callType, "atmpt_…", ref("CallAttributes")),
		// A sparse fieldset (fields[…]) leaves attributes out, so none is required.
		"CallAttributes": allOptional(obj{
			"id":            text("atmpt_…"),
			"http_code":     integer("0 when no answer came"),
			"headers":       text("The response headers as a JSON object's text"),
			"body":          text("The response body, base64 when body_encoding says so"),
			"body_encoding": enum("Present when the body is not text", webhook.BodyBase64),
			"created_at":    timestamp(""),
		}),
		"CallRelationships":  object(obj{"webhook": object(obj{"data": ref("ResourceIdentifier")})}),
		"ResourceIdentifier": object(obj{"type": text(""), "id": text("")}),
		"WebhookResource": object(obj{"type": enum("", webhookType), "id": text("The webhook's numeric_id"),
			"attributes": allOptional(obj{
				"id": text("wh_…"), "numeric_id": integer(""), "name": text(""), "url": text(""), "isActive": boolean(""), "encrypted": boolean(""),
				"created_at": timestamp(""), "updated_at": timestamp(""),
			})}),
		"CallList": object(obj{
			"data":     arrayOf(ref("Call")),
			"included": arrayOf(ref("WebhookResource")),
			"meta":     object(obj{"count": integer("The total, with count=true")}),
			"links": object(obj{"self": text(""), "first": text(""), "prev": text(""), "next": text(""), "last": text("With count=true")},
				"prev", "next", "last"),
		}, "included", "meta"),
		"CallDocument": object(obj{"data": ref("Call"), "included": arrayOf(ref("WebhookResource"))}, "included"),
	}}
}
