package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

type ctxKey int

const keyCtx ctxKey = 0

// keyFrom returns the key that authenticated the request.
func keyFrom(ctx context.Context) *webhook.Key { return ctx.Value(keyCtx).(*webhook.Key) }

// Seed 001's authentication errors, word for word.
var (
	errNoCredentials  = withDetails(webhook.EUnauthorized, "Client key or secret missing", "Please provide both x-client-key and x-client-secret headers")
	errBadCredentials = withDetails(webhook.EUnauthorized, "Invalid client app credentials", "The provided API key or secret is invalid")
	errInactiveKey    = withDetails(webhook.EForbidden, "API key is inactive", "The provided API key has been deactivated")
)

func errMissingScope(scope string) error {
	return withDetails(webhook.EForbidden, "Missing required scope", "API key does not have the required "+scope+" scope")
}

// credentials reads either credential style: x-client-key + x-client-secret, or a Bearer token.
func credentials(r *http.Request) (clientKey, secret string, ok bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		token, found := strings.CutPrefix(auth, "Bearer ")
		if !found {
			return "", "", false
		}
		return webhook.ParseToken(strings.TrimSpace(token))
	}
	clientKey, secret = r.Header.Get("x-client-key"), r.Header.Get("x-client-secret")
	return clientKey, secret, clientKey != "" && secret != ""
}

// anyScope is the scope of routes any valid credential may call.
const anyScope = ""

// authenticate finds the request's key and checks it holds scope.
func (s *Server) authenticate(r *http.Request, scope string) (*webhook.Key, error) {
	ck, secret, ok := credentials(r)
	if !ok {
		if r.Header.Get("Authorization") != "" {
			return nil, errBadCredentials
		}
		return nil, errNoCredentials
	}
	k, err := s.keys.lookup(r.Context(), s.store, ck, s.now())
	if webhook.ErrorCode(err) == webhook.ENotFound {
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if !webhook.SecretMatches(k, secret) {
		return nil, errBadCredentials
	}
	if !k.Active {
		return nil, errInactiveKey
	}
	if k.Expired(s.now()) {
		return nil, errSessionExpired
	}
	if scope != anyScope && !k.HasScope(scope) {
		return nil, errMissingScope(scope)
	}
	s.touch(r.Context(), k)
	return k, nil
}

// touch records last use at most once a minute per key, to keep writes off the hot path.
func (s *Server) touch(ctx context.Context, k *webhook.Key) {
	now := s.now()
	if last, ok := s.touched.Load(k.ID); ok && now.Sub(last.(time.Time)) < time.Minute {
		return
	}
	s.touched.Store(k.ID, now)
	if err := s.store.TouchKey(ctx, k.ID, now); err != nil {
		s.log.Warn("record key use", "key", k.ID, "err", err)
	}
}

// touchedKeys is the last time each key's use was written.
type touchedKeys = sync.Map

// requireScope wraps a handler with authentication for scope; failures answer in the
// error shape of the route's family.
func (s *Server) requireScope(f family, scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(f, w, r)
		k, err := s.authenticate(r, scope)
		if err != nil {
			s.writeFamilyError(f, w, r, err)
			return
		}
		if !s.admit(f, w, r, k, scope) {
			return
		}
		// Every handler bounds its own body; this is the backstop for one that forgets.
		r.Body = http.MaxBytesReader(w, r.Body, max(maxBatchBody, s.opts.MaxPayload+64<<10))
		h(w, r.WithContext(context.WithValue(r.Context(), keyCtx, k)))
	})
}

// recoverPanic turns a handler's panic into a logged 500 in the family's shape, so no stack
// trace or Go detail ever reaches a client.
func (s *Server) recoverPanic(f family, w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	s.writeFamilyError(f, w, r, webhook.Errorf(webhook.EInternal, "Internal error"))
}
