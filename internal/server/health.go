package server

import (
	"context"
	"net/http"
	"time"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 only when the store takes a write (this instance's heartbeat): a
// store that answers reads but cannot write (a full disk) is not ready either. The reason it
// gives names no credential, host or database; the error itself goes to the log.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.store.Ping(ctx)
	reason := "the store does not answer"
	if err == nil {
		err, reason = s.store.Beat(ctx, s.now()), "the store does not accept writes"
	}
	if err != nil {
		s.outage.Log(s.log, "not ready: "+reason, err)
		w.Header().Set("Retry-After", unavailableRetry)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
