package server

import (
	"context"
	"errors"
	"net/http"
	"time"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyAfter is how long after the store failed a request as unavailable /readyz stays 503.
const readyAfter = 5 * time.Second

// handleReadyz answers 200 only when the store takes a write (this instance's heartbeat) and
// has failed no request as unavailable lately: a store that answers reads and small writes
// but refuses events (a full disk) is not ready either. The reason it gives names no
// credential, host or database; the error itself goes to the log.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.store.Ping(ctx)
	reason := "the store does not answer"
	if err == nil {
		err, reason = s.store.Beat(ctx, s.now()), "the store does not accept writes"
	}
	if at := s.refused.Load(); err == nil && s.now().Sub(time.UnixMilli(at)) < readyAfter {
		err, reason = errors.New("a request failed with the store unavailable"), "the store refused writes in the last 5 s (a full disk, a lost connection)"
	}
	if err != nil {
		s.outage.Log(s.log, "not ready: "+reason, err)
		w.Header().Set("Retry-After", unavailableRetry)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
