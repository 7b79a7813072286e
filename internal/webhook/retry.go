package webhook

import (
	"math/rand/v2"
	"time"
)

// DefaultRetrySchedule is the wait before each retry after the first, immediate attempt:
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts in all.
var DefaultRetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Retry-After is honoured within these bounds.
const (
	MinRetryAfter = time.Second
	MaxRetryAfter = time.Hour
)

// NextRetryAt returns when attempt number attempts+1 is due, after attempts have failed,
// or ok=false when the schedule is exhausted. The schedule's delay gets ±20 % jitter;
// a receiver's Retry-After (when > 0) replaces it, clamped to [MinRetryAfter, MaxRetryAfter].
func NextRetryAt(now time.Time, attempts int, schedule []time.Duration, retryAfter time.Duration) (time.Time, bool) {
	if attempts < 1 || attempts > len(schedule) {
		return time.Time{}, false
	}
	if retryAfter > 0 {
		return now.Add(min(max(retryAfter, MinRetryAfter), MaxRetryAfter)), true
	}
	d := schedule[attempts-1]
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return now.Add(d + jitter), true
}
