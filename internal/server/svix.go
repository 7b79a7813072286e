package server

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// Svix's API (/api/v1, family sx) is one more view over hookd's core, so that Svix's
// official SDKs and svix-react work against hookd unchanged: application ↔ app, endpoint ↔
// webhook, message ↔ event, attempt ↔ attempt, app-portal-access ↔ portal session. The
// Bearer token is a hookd key or portal session: organisation routes need the operator's
// admin scope; an app's routes take the operator, or a key or portal session of that app.

// svixCall is what a Svix route handler works on: the credential and, on an app's routes,
// the app {app_id} names (by id or uid).
type svixCall struct {
	key *webhook.Key
	app *webhook.App
}

// svixRoute authenticates a Svix route for scope and resolves its app.
func (s *Server) svixRoute(scope string, h func(http.ResponseWriter, *http.Request, *svixCall)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(sx, w, r)
		k, err := s.authenticate(r, scope)
		if err != nil {
			s.writeSvixError(w, r, err)
			return
		}
		if !s.admit(sx, w, r, k, scope) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxPayload+64<<10)
		r = r.WithContext(context.WithValue(r.Context(), keyCtx, k))
		c := &svixCall{key: k}
		if ref := r.PathValue("app_id"); ref != "" {
			c.app, err = s.svixApp(r.Context(), k, ref)
			// A message may name its application, made if missing (handleSvixMessageCreate).
			if err != nil && !(err == errSvixNotFound && r.Pattern == svixMessageCreate) {
				s.writeSvixError(w, r, err)
				return
			}
		}
		if key := strings.TrimSpace(r.Header.Get("idempotency-key")); key != "" && r.Method == http.MethodPost && !svixNotReplayed[r.Pattern] {
			s.svixOnce(w, r, c, key, h)
			return
		}
		h(w, r, c)
	})
}

var errSvixNotFound = webhook.Errorf(webhook.ENotFound, "Entity not found")

// svixNotReplayed are the POSTs svixOnce leaves alone: a message has its event's idempotency,
// and a portal session's token is never kept in the clear for a replay.
var svixNotReplayed = map[string]bool{
	svixMessageCreate: true,
	"POST /api/v1/auth/app-portal-access/{app_ref}": true,
	"POST /api/v1/auth/dashboard-access/{app_ref}":  true,
}

// svixApp finds the app ref names (an id, else a uid) among those k may see: every app for
// the operator, its own for any other key. Another app is not found, as a missing one is.
func (s *Server) svixApp(ctx context.Context, k *webhook.Key, ref string) (*webhook.App, error) {
	var app *webhook.App
	var err error
	if webhook.ValidIDFormat(webhook.PrefixApp, ref) {
		app, err = s.store.GetApp(ctx, ref)
	}
	if app == nil && (err == nil || webhook.ErrorCode(err) == webhook.ENotFound) {
		app, err = s.store.AppByUID(ctx, ref)
	}
	if webhook.ErrorCode(err) == webhook.ENotFound || (err == nil && !k.HasScope(webhook.ScopeAdmin) && app.ID != k.AppID) {
		return nil, errSvixNotFound
	}
	return app, err
}

// svixEndpoint finds one of the call's app's webhooks by id or uid.
func (s *Server) svixEndpoint(r *http.Request, c *svixCall) (*webhook.Webhook, error) {
	ref := r.PathValue("endpoint_id")
	var hook *webhook.Webhook
	var err error
	if webhook.ValidIDFormat(webhook.PrefixWebhook, ref) {
		hook, err = s.store.GetWebhook(r.Context(), c.app.ID, ref, s.now())
	}
	if hook == nil && (err == nil || webhook.ErrorCode(err) == webhook.ENotFound) {
		hook, err = s.store.WebhookByUID(r.Context(), c.app.ID, ref, s.now())
	}
	if webhook.ErrorCode(err) == webhook.ENotFound {
		return nil, errSvixNotFound
	}
	return hook, err
}

// writeSvixError answers err as Svix's server does: {"code","detail"}, and for invalid input
// a 422 with {"detail":[{"loc","msg","type"}]}.
func (s *Server) writeSvixError(w http.ResponseWriter, r *http.Request, err error) {
	err = s.failed(w, r, err)
	msg := webhook.ErrorMessage(err)
	code := webhook.ErrorCode(err)
	switch code {
	case webhook.EInvalid:
		field, _, _ := strings.Cut(msg, ":")
		loc := []string{"body"}
		if !strings.ContainsAny(field, " \"") {
			loc = append(loc, field)
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{map[string]any{"loc": loc, "msg": msg, "type": "value_error"}}})
		return
	case webhook.EInternal:
		msg = "Internal Server Error"
	}
	writeJSON(w, status(code), map[string]string{"code": cmp.Or(svixCodes[code], svixServerError), "detail": msg})
}

// svixCodes are the codes of Svix's error bodies, by hookd's error code; any other error is a
// server_error, and a 429 (writeTooMany) is rate_limited. openapi_operation.go lists them.
var svixCodes = map[string]string{webhook.ENotFound: "not_found", webhook.EConflict: "conflict", webhook.EUnauthorized: "authentication_failed",
	webhook.EForbidden: "insufficient access", webhook.ETooLarge: "payload_too_large", webhook.EUnavailable: "service_unavailable",
	webhook.ENotImplemented: "not_implemented"}

const svixServerError = "server_error"

// svixPage is Svix's ListResponse: iterator continues after the page, done says there is no more.
type svixPage[T any] struct {
	Data         []T     `json:"data"`
	Iterator     *string `json:"iterator"`
	PrevIterator *string `json:"prevIterator"`
	Done         bool    `json:"done"`
}

// newSvixPage makes the page of the first limit items of items (fetched limit+1, to know
// whether there are more); id gives an item's cursor.
func newSvixPage[S, T any](items []S, limit int, id func(*S) string, out func(*S) T) svixPage[T] {
	p := svixPage[T]{Data: make([]T, 0, min(len(items), limit)), Done: len(items) <= limit}
	items = items[:min(len(items), limit)]
	for i := range items {
		p.Data = append(p.Data, out(&items[i]))
	}
	if len(items) > 0 {
		last := id(&items[len(items)-1])
		p.Iterator = &last
	}
	return p
}

// svixList reads Svix's list parameters: limit (default 50, at most 250) and iterator.
func svixList(r *http.Request) (limit int, iterator string, err error) {
	if limit, err = intParam(r, "limit", 50, 1, 250); err != nil {
		return 0, "", err
	}
	return limit, r.URL.Query().Get("iterator"), nil
}
