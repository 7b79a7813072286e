// Package ratelog logs an error that repeats (a store that is down fails every request) once
// per interval, with how many times it happened meanwhile, instead of once per occurrence.
package ratelog

import (
	"log/slog"
	"sync"
	"time"
)

// Interval is how often a repeated error is logged.
const Interval = 10 * time.Second

// Errors logs one kind of error at most once per Interval. The zero value is ready to use.
type Errors struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Log logs msg with err and args at error level, unless it did within Interval; then it only
// counts, and the next line says how many were left out.
func (e *Errors) Log(log *slog.Logger, msg string, err error, args ...any) {
	e.mu.Lock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < Interval {
		e.suppressed++
		e.mu.Unlock()
		return
	}
	suppressed := e.suppressed
	e.last, e.suppressed = now, 0
	e.mu.Unlock()
	log.Error(msg, append([]any{"err", err, "repeated", suppressed}, args...)...)
}
