package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// svixOnce answers a POST of Svix's API that carries an idempotency-key at most once per key
// and app (store.Replies): a retry gets the first answer, byte for byte; a retry while the
// first is still being answered gets 409; the key sent with another request gets 422. Only 2xx
// answers are kept, so a request that failed runs again. Messages have their own idempotency
// (the event's key, handleSvixMessageCreate).
func (s *Server) svixOnce(w http.ResponseWriter, r *http.Request, c *svixCall, key string, h func(http.ResponseWriter, *http.Request, *svixCall)) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeSvixError(w, r, decodeError(err, s.opts.MaxPayload+64<<10))
		return
	}
	sum := sha256.Sum256(body)
	request := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + " " + hex.EncodeToString(sum[:])
	scope, now := c.key.AppID, s.now()
	prior, err := s.store.BeginReply(r.Context(), scope, key, request, now)
	switch {
	case err != nil:
		s.writeSvixError(w, r, err)
	case prior == nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &replyRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r, c)
		if err := s.store.FinishReply(context.WithoutCancel(r.Context()), scope, key, now, rec.status, rec.body.Bytes()); err != nil {
			s.log.Warn("keep the answer to an idempotency-key", "path", r.URL.Path, "err", err)
		}
	case prior.Request != request:
		path, _, _ := strings.Cut(strings.SplitN(prior.Request, " ", 3)[1], "?")
		s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "idempotency-key: this key was sent with another request (%s)", path))
	case prior.Status == 0:
		s.writeSvixError(w, r, webhook.Errorf(webhook.EConflict, "A request with this idempotency-key is still being answered; retry in a moment"))
	default:
		if len(prior.Body) > 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(prior.Status)
		_, _ = w.Write(prior.Body)
	}
}

// replyRecorder passes an answer through and keeps a copy.
type replyRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *replyRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *replyRecorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
