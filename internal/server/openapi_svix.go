package server

import (
	"net/http"
	"slices"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPISvix documents Svix's API (svix*.go) as hookd answers it: Svix's paths and bodies,
// with hookd's ids (app_…, wh_…, msg_…, atmpt_…) where Svix has its own. Every {app_id} and
// {endpoint_id} takes an id or the sender's uid, so an id hookd cannot parse is not found (404).
func openAPISvix() openAPIPart {
	const r, w, sec, ew, admin = webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite, webhook.ScopeWebhookSecret, webhook.ScopeEventWrite, webhook.ScopeAdmin
	app := pathParam("app_id", "Application id (app_…) or uid")
	appRef := pathParam("app_ref", "Application id (app_…) or uid; with application in the body, one that does not exist is created, with this uid unless it names one")
	endpoint := pathParam("endpoint_id", "Endpoint id (wh_…) or uid")
	msg := pathParam("msg_id", "Message id (msg_…)")
	eventType := pathParam("event_type_name", "Event type name")
	limit := limitParam(50, 250)
	iterator := queryParam("iterator", text(""), "The iterator of the previous page")
	withContent := queryParam("with_content", boolean(""), "false leaves payloads out, as {} (default true)")
	eventTypes := listOf("event_types", text(""), "Event types (comma-separated or repeated): any of")
	channel := queryParam("channel", text(""), "Only messages on this channel")
	byEndpoint := queryParam("endpoint_id", text(""), "Only the attempts to this endpoint (wh_…)")
	before := queryParam("before", timestamp(""), "Only those made before this time")
	after := queryParam("after", timestamp(""), "Only those made after this time")
	messageStatus := queryParam("status", obj{"type": "integer", "enum": []int{0, 1, 2, 3}},
		"Only messages whose delivery there stands so: 0 success, 1 pending (retrying included), 2 fail, 3 sending (never reported: none)")
	attemptFilters := []obj{
		queryParam("status", obj{"type": "integer", "enum": []int{0, 1, 2, 3}}, "Only attempts that got this: 0 success (2xx), 2 fail; 1 and 3 match none"),
		queryParam("status_code_class", obj{"type": "integer", "enum": []int{0, 100, 200, 300, 400, 500}},
			"Only attempts answered with a status of this class; 0: no answer"),
		before, after,
		queryParam("with_content", boolean(""), "false leaves each response body out (default true)"),
		listOf("event_types", text(""), "Only attempts of messages of these event types"),
		queryParam("channel", text(""), "Only attempts of messages on this channel"),
	}
	attemptList := func(params ...obj) []obj { return append(params, attemptFilters...) }
	created := func(result obj) obj { return obj{"201": svixOK(http.StatusCreated, result)} }
	ops := []operation{
		{method: "GET", path: "/api/v1/health", id: "svixGetHealth", summary: "Health: 204 while the store answers",
			status: http.StatusNoContent, errors: []int{503}},
		{method: "HEAD", path: "/api/v1/health", id: "svixHeadHealth", summary: "Health: 204 while the store answers",
			status: http.StatusNoContent, errors: []int{503}},
		{method: "GET", path: "/api/v1/health/ping", id: "svixPing", summary: "Health: 204 while the store answers",
			status: http.StatusNoContent, errors: []int{503}},
		{method: "HEAD", path: "/api/v1/health/ping", id: "svixHeadPing", summary: "Health: 204 while the store answers",
			status: http.StatusNoContent, errors: []int{503}},

		{method: "POST", path: "/api/v1/auth/app-portal-access/{app_ref}", id: "svixAppPortalAccess", scope: w, params: []obj{appRef},
			summary: "Open a portal session for an application: a Bearer token for its routes, and the dashboard's link",
			note:    svixPortalNote, body: ref("SvixAppPortalAccessIn"), bodyOptional: true,
			status: http.StatusOK, result: ref("SvixAppPortalAccess"), errors: []int{404, 409, 413, 422}},
		{method: "POST", path: "/api/v1/auth/dashboard-access/{app_ref}", id: "svixDashboardAccess", scope: w, params: []obj{appRef},
			summary: "Open a portal session for an application (Svix's older name for app-portal-access)",
			note:    svixPortalNote, body: ref("SvixAppPortalAccessIn"), bodyOptional: true,
			status: http.StatusOK, result: ref("SvixAppPortalAccess"), errors: []int{404, 409, 413, 422}},
		{method: "POST", path: "/api/v1/auth/logout", id: "svixLogout", scope: anyCredential, summary: "End the portal session making the request",
			note: "Only a portal session's token logs out; an API key is refused (403).", status: http.StatusNoContent},

		{method: "GET", path: "/api/v1/event-type", id: "svixListEventTypes", scope: anyCredential, summary: "List the event type catalog, by name",
			params: []obj{limit, queryParam("iterator", text(""), "The iterator (a name) of the previous page"),
				queryParam("include_archived", boolean(""), "Include archived event types (default false)"),
				queryParam("with_content", boolean(""), "Include each one's schemas (default false)")},
			status: http.StatusOK, result: ref("SvixEventTypePage"), errors: []int{422}},
		{method: "POST", path: "/api/v1/event-type", id: "svixCreateEventType", scope: admin, summary: "Add an event type to the catalog",
			body: ref("SvixEventTypeIn"), status: http.StatusCreated, result: ref("SvixEventType"), errors: []int{409, 413, 422}},
		{method: "GET", path: "/api/v1/event-type/{event_type_name}", id: "svixGetEventType", scope: anyCredential, summary: "An event type of the catalog",
			params: []obj{eventType}, status: http.StatusOK, result: ref("SvixEventType"), errors: []int{404}},
		{method: "PUT", path: "/api/v1/event-type/{event_type_name}", id: "svixUpdateEventType", scope: admin,
			summary: "Replace an event type; one not in the catalog yet is added (201)",
			params:  []obj{eventType}, body: ref("SvixEventTypeUpdate"), status: http.StatusOK, result: ref("SvixEventType"),
			responses: created(ref("SvixEventType")), errors: []int{409, 413, 422}},
		{method: "PATCH", path: "/api/v1/event-type/{event_type_name}", id: "svixPatchEventType", scope: admin,
			summary: "Change the fields given of an event type", params: []obj{eventType}, body: ref("SvixEventTypeUpdate"),
			status: http.StatusOK, result: ref("SvixEventType"), errors: []int{404, 413, 422}},
		{method: "DELETE", path: "/api/v1/event-type/{event_type_name}", id: "svixDeleteEventType", scope: admin,
			summary: "Archive an event type, or with expunge=true remove it",
			params:  []obj{eventType, queryParam("expunge", boolean(""), "Remove it instead of archiving it (default false)")},
			status:  http.StatusNoContent, errors: []int{404}},

		{method: "GET", path: "/api/v1/app", id: "svixListApplications", scope: admin, summary: "List applications (hookd's apps), a page at a time",
			params: []obj{limit, iterator}, status: http.StatusOK, result: ref("SvixApplicationPage"), errors: []int{422}},
		{method: "POST", path: "/api/v1/app", id: "svixCreateApplication", scope: admin, summary: "Create an application",
			params: []obj{queryParam("get_if_exists", boolean(""), "Answer the application already holding the uid (200) instead of a conflict")},
			body:   ref("SvixApplicationIn"), status: http.StatusCreated, result: ref("SvixApplication"),
			responses: obj{"200": svixOK(http.StatusOK, ref("SvixApplication"))}, errors: []int{409, 413, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}", id: "svixGetApplication", scope: r, summary: "An application",
			params: []obj{app}, status: http.StatusOK, result: ref("SvixApplication"), errors: []int{404}},
		{method: "PUT", path: "/api/v1/app/{app_id}", id: "svixUpdateApplication", scope: admin,
			summary: "Replace an application's fields: those left out are cleared, but the name, which stays",
			params:  []obj{app}, body: ref("SvixApplicationIn"), status: http.StatusOK, result: ref("SvixApplication"), errors: []int{404, 409, 413, 422}},
		{method: "PATCH", path: "/api/v1/app/{app_id}", id: "svixPatchApplication", scope: admin, summary: "Change the fields given of an application",
			params: []obj{app}, body: ref("SvixApplicationPatch"), status: http.StatusOK, result: ref("SvixApplication"), errors: []int{404, 409, 413, 422}},
		{method: "DELETE", path: "/api/v1/app/{app_id}", id: "svixDeleteApplication", scope: admin,
			summary: "Delete an application with its endpoints and keys (never the caller's own: 409)",
			params:  []obj{app}, status: http.StatusNoContent, errors: []int{404, 409}},

		{method: "GET", path: "/api/v1/app/{app_id}/endpoint", id: "svixListEndpoints", scope: r, summary: "List an application's endpoints (hookd's webhooks)",
			params: []obj{app, limit, iterator}, status: http.StatusOK, result: ref("SvixEndpointPage"), errors: []int{404, 422}},
		{method: "POST", path: "/api/v1/app/{app_id}/endpoint", id: "svixCreateEndpoint", scope: w, summary: "Create an endpoint",
			params: []obj{app}, body: ref("SvixEndpointIn"), status: http.StatusCreated, result: ref("SvixEndpoint"), errors: []int{404, 409, 413, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}", id: "svixGetEndpoint", scope: r, summary: "An endpoint",
			params: []obj{app, endpoint}, status: http.StatusOK, result: ref("SvixEndpoint"), errors: []int{404}},
		{method: "PUT", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}", id: "svixUpdateEndpoint", scope: w,
			summary: "Replace an endpoint's fields: those left out are cleared, but the URL, which stays",
			note:    "secret is refused (422): change it with …/secret/rotate.",
			params:  []obj{app, endpoint}, body: ref("SvixEndpointIn"), status: http.StatusOK, result: ref("SvixEndpoint"), errors: []int{404, 409, 413, 422}},
		{method: "PATCH", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}", id: "svixPatchEndpoint", scope: w, summary: "Change the fields given of an endpoint",
			params: []obj{app, endpoint}, body: ref("SvixEndpointPatch"), status: http.StatusOK, result: ref("SvixEndpoint"), errors: []int{404, 409, 413, 422}},
		{method: "DELETE", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}", id: "svixDeleteEndpoint", scope: w,
			summary: "Delete an endpoint; its unsent deliveries never go out",
			params:  []obj{app, endpoint}, status: http.StatusNoContent, errors: []int{404}},
		{method: "GET", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", id: "svixGetEndpointStats", scope: r,
			summary: "Count an endpoint's deliveries by where they stand",
			note:    "With since or until, the deliveries made in that window (whole hours), by where they stand now.",
			params: []obj{app, endpoint, queryParam("since", timestamp(""), "Only deliveries made from this time"),
				queryParam("until", timestamp(""), "Only deliveries made before this time")},
			status: http.StatusOK, result: ref("SvixEndpointStats"), errors: []int{404, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", id: "svixGetEndpointHeaders", scope: r,
			summary: "An endpoint's custom headers: values read as " + maskShown + " without webhook:secret, and every name is sensitive",
			params:  []obj{app, endpoint}, status: http.StatusOK, result: ref("SvixEndpointHeaders"), errors: []int{404}},
		{method: "PUT", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", id: "svixUpdateEndpointHeaders", scope: w,
			summary: "Replace an endpoint's custom headers",
			params:  []obj{app, endpoint}, body: ref("SvixEndpointHeadersIn"), status: http.StatusNoContent, errors: []int{404, 413, 422}},
		{method: "PATCH", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", id: "svixPatchEndpointHeaders", scope: w,
			summary: "Set the custom headers given and remove those in deleteHeaders",
			params:  []obj{app, endpoint}, body: ref("SvixEndpointHeadersPatch"), status: http.StatusNoContent, errors: []int{404, 413, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", id: "svixGetEndpointSecret", scope: sec,
			summary: "An endpoint's signing secret",
			params:  []obj{app, endpoint}, status: http.StatusOK, result: ref("SvixEndpointSecret"), errors: []int{404}},
		{method: "POST", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", id: "svixRotateEndpointSecret", scope: sec,
			summary: "Make the given secret (or a new one) the signing secret; the old one signs beside it for a grace period",
			params:  []obj{app, endpoint}, body: ref("SvixEndpointSecretRotateIn"), bodyOptional: true,
			status: http.StatusNoContent, errors: []int{404, 413, 422}},
		{method: "POST", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", id: "svixRecoverEndpoint", scope: w,
			summary: "Send again the endpoint's failed deliveries of a time range, as a background job",
			params:  []obj{app, endpoint}, body: ref("SvixRecoverIn"), status: http.StatusAccepted, result: ref("SvixRecoverOut"), errors: []int{404, 413, 422}},
		{method: "POST", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", id: "svixSendExample", scope: w,
			summary: "Send the endpoint alone an example of an event type: its catalog schema's example, else {}",
			params:  []obj{app, endpoint}, body: ref("SvixEventExampleIn"), status: http.StatusOK, result: ref("SvixMessage"), errors: []int{404, 413, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg", id: "svixListEndpointMessages", scope: r,
			summary: "List the messages sent to an endpoint, newest first, with where each stands there",
			params:  []obj{app, endpoint, limit, iterator, withContent, channel, eventTypes, messageStatus, before, after},
			status:  http.StatusOK, result: ref("SvixEndpointMessagePage"), errors: []int{404, 422}},

		{method: "GET", path: "/api/v1/app/{app_id}/msg", id: "svixListMessages", scope: r, summary: "List an application's messages, newest first",
			params: []obj{app, limit, iterator, withContent, channel, eventTypes,
				queryParam("before", timestamp(""), "Only messages created before this time"),
				queryParam("after", timestamp(""), "Only messages created after this time")},
			status: http.StatusOK, result: ref("SvixMessagePage"), errors: []int{404, 422}},
		{method: "POST", path: "/api/v1/app/{app_id}/msg", id: "svixCreateMessage", scope: ew,
			summary: "Send a message (an event) to the application's endpoints: 202 once it and its deliveries are committed",
			note:    "A retry with the same idempotency-key (else eventId) answers the first message.",
			params: []obj{app, withContent, {"name": "idempotency-key", "in": "header", "schema": text(""),
				"description": "Makes a retry of the same message answer the first one (Svix's SDKs send one with every POST)"}},
			body: ref("SvixMessageIn"), status: http.StatusAccepted, result: ref("SvixMessage"), errors: []int{404, 413, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/msg/{msg_id}", id: "svixGetMessage", scope: r, summary: "A message",
			params: []obj{app, msg, withContent}, status: http.StatusOK, result: ref("SvixMessage"), errors: []int{404}},
		{method: "DELETE", path: "/api/v1/app/{app_id}/msg/{msg_id}/content", id: "svixExpungeMessageContent", scope: w,
			summary: "Delete a message's payload (it reads {} from then on) once none of its deliveries is waiting; it is never sent again",
			params:  []obj{app, msg}, status: http.StatusNoContent, errors: []int{404, 409}},
		{method: "GET", path: "/api/v1/app/{app_id}/msg/{msg_id}/endpoint", id: "svixListAttemptedDestinations", scope: r,
			summary: "List the endpoints a message went to, with where it stands at each, by endpoint id",
			params:  []obj{app, msg, limit, iterator}, status: http.StatusOK, result: ref("SvixMessageEndpointPage"), errors: []int{404, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/msg/{msg_id}/attempt", id: "svixListAttemptsByMsgDeprecated", scope: r,
			summary: "List a message's attempts, newest first (Svix's deprecated path of …/attempt/msg/{msg_id})",
			params:  attemptList(app, msg, limit, iterator, byEndpoint), status: http.StatusOK, result: ref("SvixAttemptPage"), errors: []int{404, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/attempt", id: "svixListAttemptsByMsgAndEndpoint", scope: r,
			summary: "List a message's attempts to one endpoint, newest first",
			params:  attemptList(app, msg, endpoint, limit, iterator), status: http.StatusOK, result: ref("SvixAttemptPage"), errors: []int{404, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", id: "svixGetAttempt", scope: r, summary: "An attempt",
			params: []obj{app, msg, pathParam("attempt_id", "Attempt id (atmpt_…)")}, status: http.StatusOK, result: ref("SvixAttempt"), errors: []int{404}},
		{method: "DELETE", path: "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content", id: "svixExpungeAttemptContent", scope: w,
			summary: "Delete an attempt's response body",
			params:  []obj{app, msg, pathParam("attempt_id", "Attempt id (atmpt_…)")}, status: http.StatusNoContent, errors: []int{404}},
		{method: "POST", path: "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", id: "svixResendMessage", scope: w,
			summary: "Send a message to an endpoint again now, as a manual attempt",
			params:  []obj{app, msg, endpoint}, status: http.StatusAccepted, result: ref("SvixEmpty"), errors: []int{404, 409}},
		{method: "GET", path: "/api/v1/app/{app_id}/attempt/msg/{msg_id}", id: "svixListAttemptsByMsg", scope: r,
			summary: "List a message's attempts, newest first",
			params:  attemptList(app, msg, limit, iterator, byEndpoint), status: http.StatusOK, result: ref("SvixAttemptPage"), errors: []int{404, 422}},
		{method: "GET", path: "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", id: "svixListAttemptsByEndpoint", scope: r,
			summary: "List an endpoint's attempts, newest first",
			note:    "Filters are applied as the attempts are read, 2,500 a page at most: a page may hold fewer than limit, with done false and an iterator to read on.",
			params:  attemptList(app, endpoint, limit, iterator), status: http.StatusOK, result: ref("SvixAttemptPage"), errors: []int{404, 422}},
	}
	for i := range ops {
		ops[i].tag, ops[i].family = "svix", sx
		if ops[i].method == "POST" && !svixNotReplayed[ops[i].method+" "+ops[i].path] { // svixOnce
			ops[i].params = append(ops[i].params, obj{"name": "idempotency-key", "in": "header", "schema": text(""),
				"description": "A retry with the same key within a day gets the first (2xx) answer; 409 while that one is still being answered, 422 with another request"})
			for _, st := range []int{409, 422} {
				if !slices.Contains(ops[i].errors, st) {
					ops[i].errors = append(ops[i].errors, st)
				}
			}
		}
	}
	return openAPIPart{operations: ops, schemas: svixSchemas()}
}

const svixPortalNote = "The token is a hookd portal session of the application: a Bearer credential for its /api/v1/app/{app_id}/… routes " +
	"(and hookd's own), ending within a day whatever expiry asks. readOnly, or capabilities of ViewBase alone, make it read-only. " +
	"A portal session asking is refused (403)."

// svixOK is another success response of an operation, with the headers of every admitted request.
func svixOK(status int, result obj) obj {
	return obj{"description": http.StatusText(status), "headers": rateLimitHeaders(), "content": obj{contentJSON: obj{"schema": result}}}
}

// svixStatusProps are a delivery's or an attempt's status as Svix numbers and names it, taking statuses.
func svixStatusProps(statuses ...int) obj {
	texts := make([]string, 0, len(statuses))
	for _, st := range statuses {
		texts = append(texts, svixStatusText[st])
	}
	return obj{
		"status":     obj{"type": "integer", "enum": statuses, "description": "0 success, 1 pending, 2 fail"},
		"statusText": enum("", texts...),
	}
}

// svixPageSchema is Svix's ListResponse of item (svixPage).
func svixPageSchema(item string) obj {
	return object(obj{
		"data":         arrayOf(ref(item)),
		"iterator":     nullable(text("Pass as iterator for the next page; null when the page is empty")),
		"prevIterator": nullable(text("Always null: hookd pages forward only")),
		"done":         boolean("No more pages"),
	})
}

func svixSchemas() obj {
	uid := text("The sender's own unique name for it: 1 to 256 of a-z, A-Z, 0-9, -, _ and .")
	metadata := mapOf(text(""), "Free-form, the sender's")
	payload := mapOf(anyJSON("A member of the payload"), "The payload, a JSON object")
	app := obj{
		"id":           text("app_…"),
		"uid":          uid,
		"name":         text(""),
		"metadata":     metadata,
		"rateLimit":    integer("Recorded, not enforced"),
		"throttleRate": integer("rateLimit under the name Svix's newer SDKs use"),
		"createdAt":    timestamp(""),
		"updatedAt":    timestamp(""),
	}
	appIn := obj{
		"name":         text("No control characters"),
		"uid":          uid,
		"metadata":     metadata,
		"rateLimit":    between(integer("Recorded, not enforced"), 0, 65535),
		"throttleRate": between(integer("rateLimit under the name Svix's newer SDKs use"), 0, 65535),
	}
	endpoint := obj{
		"id":           text("wh_…"),
		"uid":          uid,
		"url":          text(""),
		"description":  text("Also the webhook's name in hookd's own API, when set"),
		"version":      integer("Always 1"),
		"rateLimit":    integer("Deliveries per second"),
		"throttleRate": integer("rateLimit under the name Svix's newer SDKs use"),
		"disabled":     boolean(""),
		"filterTypes":  arrayOf(text("Event types it receives, when not all")),
		"eventTypes":   arrayOf(text("filterTypes under the name Svix's newer SDKs use")),
		"channels":     arrayOf(text("Channels it listens to, when not all")),
		"metadata":     metadata,
		"createdAt":    timestamp(""),
		"updatedAt":    timestamp(""),
	}
	endpointIn := obj{
		"url":          text("Absolute http(s) URL"),
		"uid":          uid,
		"description":  text(""),
		"disabled":     boolean(""),
		"filterTypes":  arrayOf(text("Event types to receive, exact or with wildcards (invoice.*); none = all")),
		"eventTypes":   arrayOf(text("filterTypes under the name Svix's newer SDKs use (filterTypes wins when both come)")),
		"channels":     arrayOf(text("Channels to listen to: 1 to 128 of a-z, A-Z, 0-9, -, _, . and :; none = all (at most 10)")),
		"headers":      mapOf(text(""), "Custom request headers, as hookd's webhooks take them"),
		"metadata":     metadata,
		"rateLimit":    integer("Deliveries per second, 0 = none"),
		"throttleRate": integer("rateLimit under the name Svix's newer SDKs use (rateLimit wins when both come)"),
		"secret":       text("The signing secret: base64 of 24 to 75 bytes, with the Standard Webhooks prefix or not; a new one when left out. Create only"),
		"version":      integer("Ignored"),
	}
	endpointPatch := extend(endpointIn, nil)
	delete(endpointPatch, "secret")
	message := obj{
		"id":        text("msg_…"),
		"eventId":   text("The sender's own unique name for it, when it has one"),
		"eventType": text(""),
		"payload": anyJSON("The payload, {} with with_content=false: a JSON object, but for an event sent through hookd's own " +
			"API, which takes any JSON value"),
		"channels":  arrayOf(text("")),
		"timestamp": timestamp(""),
	}
	nextAttempt := obj{"nextAttempt": timestamp("When it is tried next, while pending")}
	eventType := obj{
		"name":         text(""),
		"description":  text(""),
		"schemas":      mapOf(anyJSON("A JSON Schema, with examples"), "JSON Schemas by version (\"1\", …), as given"),
		"archived":     boolean(""),
		"deprecated":   boolean(""),
		"featureFlags": arrayOf(text("")),
		"groupName":    text(""),
		"createdAt":    timestamp(""),
		"updatedAt":    timestamp(""),
	}
	eventTypeUpdate := extend(eventType, nil)
	for _, name := range []string{"name", "createdAt", "updatedAt"} {
		delete(eventTypeUpdate, name)
	}
	optional := func(props obj) []string {
		var names []string
		for name := range props {
			names = append(names, name)
		}
		return names
	}
	return obj{
		"SvixApplication":      object(app, "uid", "rateLimit", "throttleRate"),
		"SvixApplicationIn":    object(appIn, "uid", "metadata", "rateLimit", "throttleRate"),
		"SvixApplicationPatch": object(appIn, optional(appIn)...),
		"SvixApplicationPage":  svixPageSchema("SvixApplication"),

		"SvixEndpoint":      object(endpoint, "uid", "rateLimit", "throttleRate", "filterTypes", "eventTypes", "channels"),
		"SvixEndpointIn":    object(endpointIn, slices.DeleteFunc(optional(endpointIn), func(name string) bool { return name == "url" })...),
		"SvixEndpointPatch": object(endpointPatch, optional(endpointPatch)...),
		"SvixEndpointPage":  svixPageSchema("SvixEndpoint"),
		"SvixEndpointStats": object(obj{
			"success": integer("Delivered"),
			"fail":    integer("Failed for good"),
			"pending": integer("Not delivered yet"),
			"sending": integer("Always 0: hookd counts deliveries in flight as pending"),
		}),
		"SvixEndpointHeaders": object(obj{
			"headers":   mapOf(text(""), "Values read as "+maskShown+" without webhook:secret"),
			"sensitive": arrayOf(text("Every header's name: hookd keeps every value secret")),
		}),
		"SvixEndpointHeadersIn": object(obj{"headers": mapOf(text(""), "The custom headers; "+maskShown+" keeps a header's value")}),
		"SvixEndpointHeadersPatch": object(obj{
			"headers":       mapOf(text(""), "Headers to set; "+maskShown+" keeps a header's value"),
			"deleteHeaders": arrayOf(text("Names of headers to remove")),
		}, "deleteHeaders"),
		"SvixEndpointSecret":         object(obj{"key": text("The signing secret, in the Standard Webhooks form")}),
		"SvixEndpointSecretRotateIn": object(obj{"key": nullable(text("The new secret, as secret takes it; a new one when left out"))}, "key"),
		"SvixRecoverIn":              object(obj{"since": timestamp(""), "until": timestamp("Default now")}, "until"),
		"SvixRecoverOut": object(obj{
			"id":     text("job_…"),
			"status": enum("", "running"),
			"task":   enum("", "endpoint.recover"),
		}),
		"SvixEventExampleIn": object(obj{
			"eventType":    text(""),
			"exampleIndex": integer("Which of the catalog schema's examples (default 0)"),
		}, "exampleIndex"),

		"SvixMessage": object(message, "eventId", "channels"),
		"SvixMessageIn": object(obj{
			"eventType": text(""),
			"payload":   payload,
			"channels":  arrayOf(text("1 to 128 of a-z, A-Z, 0-9, -, _, . and : (at most 10)")),
			"eventId":   uid,
		}, "channels", "eventId"),
		"SvixMessagePage":         svixPageSchema("SvixMessage"),
		"SvixEndpointMessage":     object(extend(extend(message, svixStatusProps(svixSuccess, svixPending, svixFail)), nextAttempt), "eventId", "channels", "nextAttempt"),
		"SvixEndpointMessagePage": svixPageSchema("SvixEndpointMessage"),
		"SvixMessageEndpoint": object(extend(extend(endpoint, svixStatusProps(svixSuccess, svixPending, svixFail)), nextAttempt),
			"uid", "rateLimit", "throttleRate", "filterTypes", "eventTypes", "channels", "nextAttempt"),
		"SvixMessageEndpointPage": svixPageSchema("SvixMessageEndpoint"),

		"SvixAttempt": object(extend(obj{
			"id":                 text("atmpt_…"),
			"msgId":              text("msg_…"),
			"endpointId":         text("wh_…"),
			"url":                text("The endpoint's URL now; empty when it was deleted"),
			"response":           text("The response body, as hookd keeps it"),
			"responseStatusCode": integer("0 when no answer came"),
			"responseDurationMs": integer(""),
			"triggerType":        obj{"type": "integer", "enum": []int{0, 1}, "description": "0 scheduled, 1 manual"},
			"timestamp":          timestamp(""),
		}, svixStatusProps(svixSuccess, svixFail))),
		"SvixAttemptPage": svixPageSchema("SvixAttempt"),

		"SvixEventType":       object(eventType, "schemas", "featureFlags", "groupName"),
		"SvixEventTypeIn":     object(extend(eventTypeUpdate, obj{"name": text("No spaces or '*'")}), optional(eventTypeUpdate)...),
		"SvixEventTypeUpdate": object(eventTypeUpdate, optional(eventTypeUpdate)...),
		"SvixEventTypePage":   svixPageSchema("SvixEventType"),

		"SvixAppPortalAccessIn": object(obj{
			"expiry":       obj{"type": "integer", "minimum": webhook.MinPortalTTL.Seconds(), "description": "Seconds; longer than a day, hookd's longest session, is a day (default a day)"},
			"readOnly":     boolean(""),
			"capabilities": arrayOf(text("Svix's capabilities: ViewBase alone makes the session read-only, others change nothing")),
			"application":  ref("SvixApplicationIn"),
		}, "expiry", "readOnly", "capabilities", "application"),
		"SvixAppPortalAccess": object(obj{
			"token": text("A Bearer token for this application alone"),
			"url":   text("The dashboard with the token after # (never in a query string)"),
		}),
		"SvixEmpty": obj{"type": "object", "maxProperties": 0, "description": "Always {}"},
	}
}
