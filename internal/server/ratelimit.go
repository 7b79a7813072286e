package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Limits are the request quotas; zero values take the defaults.
type Limits struct {
	Production  int // requests per hour per production key (default 1000)
	Development int // requests per hour per development key (default 100)
	Portal      int // requests per hour per portal session (default 3600)
	// Ingest caps event requests (routes needing event:write) per second per app, counted
	// by each instance; 0 means no limit. Event requests never spend the hourly quota.
	Ingest int
	// Local says this instance is the only one on its store (the embedded SQLite): counts
	// live in memory, are read from the store at a key's first request in a window and written
	// back every localFlush, so a request costs no write and a restart forgets at most that much.
	Local bool
}

// localFlush is how often local counts are written back to the store.
const localFlush = time.Second

// Default hourly quotas, as seed 001 states them.
const (
	DefaultProductionLimit  = 1000
	DefaultDevelopmentLimit = 100
	DefaultPortalLimit      = 3600 // one a second: a portal page refreshes, and a customer may keep it open
)

// limiter counts requests per key in fixed hourly windows kept in the store, so every
// instance on one database shares them. Requests that arrive while a count is being written
// are written together in the next statement (group commit), and a key known to be spent
// for the current window is refused without touching the store.
type limiter struct {
	store  store.Security
	limits Limits
	log    *slog.Logger

	mu       sync.Mutex
	pending  map[window][]chan int64
	flushing bool
	spent    map[string]int64 // key id → start (ms) of the window it has used up
	seen     map[string]seen  // key id → its count as this instance last saw it
	pruned   int64            // start of the last window older rows were pruned for

	local         map[window]*localCount // Local mode: counts kept in memory
	localFlushing bool                   // a write-back is scheduled
	closed        bool                   // close ran: no write-back is scheduled any more
	writingBack   sync.Mutex             // one write-back at a time (taken before mu)

	ingestMu sync.Mutex
	ingest   map[string]ingestWindow // app id → its current second
}

type window struct {
	key   string
	start int64 // Unix ms
}

type localCount struct {
	count int64 // every request of the window, written back or not
	delta int64 // requests not yet written back
}

type seen struct {
	start, count int64
}

type ingestWindow struct {
	second int64
	count  int64
}

func newLimiter(s store.Security, l Limits, log *slog.Logger) *limiter {
	l.Production = cmp.Or(l.Production, DefaultProductionLimit)
	l.Development = cmp.Or(l.Development, DefaultDevelopmentLimit)
	l.Portal = cmp.Or(l.Portal, DefaultPortalLimit)
	return &limiter{store: s, limits: l, log: log, pending: map[window][]chan int64{}, spent: map[string]int64{}, seen: map[string]seen{}, local: map[window]*localCount{}, ingest: map[string]ingestWindow{}}
}

func (l *limiter) hourly(k *webhook.Key) int64 {
	if k.Portal {
		return int64(l.limits.Portal)
	}
	if k.Env == webhook.EnvDevelopment {
		return int64(l.limits.Development)
	}
	return int64(l.limits.Production)
}

// spend counts one request of k at now and returns the key's count in the window, its limit
// and when the window ends.
func (l *limiter) spend(k *webhook.Key, now time.Time) (count, limit int64, reset time.Time) {
	limit = l.hourly(k)
	start := now.Truncate(time.Hour)
	reset = start.Add(time.Hour)
	win := window{k.ID, start.UnixMilli()}
	l.mu.Lock()
	if l.spent[k.ID] == win.start {
		l.mu.Unlock()
		return limit + 1, limit, reset
	}
	if c := l.local[win]; c != nil && l.limits.Local {
		c.count++
		c.delta++
		count = c.count
		if !l.localFlushing && !l.closed {
			l.localFlushing = true
			time.AfterFunc(localFlush, l.flushLocal)
		}
		l.note(win, count, limit)
		l.mu.Unlock()
		return count, limit, reset
	}
	ch := make(chan int64, 1)
	l.pending[win] = append(l.pending[win], ch)
	if !l.flushing {
		l.flushing = true
		go l.flush()
	}
	l.mu.Unlock()
	count = <-ch
	l.mu.Lock()
	if l.limits.Local {
		// Requests that raced this one to the store may be counted once too few until
		// the next write-back, which sets the count from the store again.
		if c := l.local[win]; c == nil {
			l.local[win] = &localCount{count: count}
		} else {
			c.count = max(c.count, count)
		}
	}
	l.note(win, count, limit)
	l.mu.Unlock()
	return count, limit, reset
}

// note records a key's count; l.mu is held.
func (l *limiter) note(win window, count, limit int64) {
	if last := l.seen[win.key]; last.start != win.start || last.count < count {
		l.seen[win.key] = seen{win.start, count}
	}
	if count >= limit {
		l.spent[win.key] = win.start
	}
}

// flushLocal is the scheduled write-back; after close it does nothing (the store may be closed).
func (l *limiter) flushLocal() {
	l.writingBack.Lock()
	defer l.writingBack.Unlock()
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if !closed {
		l.writeBack()
	}
}

// close writes the local counts back one last time, once a write-back under way has ended,
// and schedules none after: the server calls it when it stops, before the store is closed.
func (l *limiter) close() {
	l.writingBack.Lock()
	defer l.writingBack.Unlock()
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.writeBack()
}

// writeBack writes local counts back to the store and takes the store's totals as the
// counts; the caller holds writingBack.
func (l *limiter) writeBack() {
	l.mu.Lock()
	l.localFlushing = false
	byStart := map[int64]map[string]int64{}
	for w, c := range l.local {
		if c.delta == 0 {
			continue
		}
		if byStart[w.start] == nil {
			byStart[w.start] = map[string]int64{}
		}
		byStart[w.start][w.key] = c.delta
		c.delta = 0
	}
	l.mu.Unlock()
	for start, n := range byStart {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		totals, err := l.store.CountRequests(ctx, time.UnixMilli(start), n)
		cancel()
		l.mu.Lock()
		for key, d := range n {
			c := l.local[window{key, start}]
			switch {
			case c == nil:
			case err != nil: // keep the requests for the write-back the next request schedules
				c.delta += d
			default: // this instance is the only writer: the store's total plus what came since is exact
				c.count = totals[key] + c.delta
			}
		}
		l.mu.Unlock()
		if err != nil {
			l.log.Warn("write back rate-limit counts", "err", err)
		}
	}
}

// peek returns k's count in the current window as this instance last saw it, without
// counting a request: for the headers of event requests, which never spend the quota.
func (l *limiter) peek(k *webhook.Key, now time.Time) (count, limit int64, reset time.Time) {
	start := now.Truncate(time.Hour)
	l.mu.Lock()
	if last := l.seen[k.ID]; last.start == start.UnixMilli() {
		count = last.count
	}
	l.mu.Unlock()
	return count, l.hourly(k), start.Add(time.Hour)
}

// flush writes pending counts until none are left.
func (l *limiter) flush() {
	for {
		l.mu.Lock()
		if len(l.pending) == 0 {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		batch := l.pending
		l.pending = map[window][]chan int64{}
		l.mu.Unlock()

		byStart := map[int64]map[string]int64{}
		var newest int64
		for w, waiters := range batch {
			newest = max(newest, w.start)
			if byStart[w.start] == nil {
				byStart[w.start] = map[string]int64{}
			}
			byStart[w.start][w.key] = int64(len(waiters))
		}
		for start, n := range byStart {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			totals, err := l.store.CountRequests(ctx, time.UnixMilli(start), n)
			cancel()
			if err != nil {
				// Fail open: a store hiccup should not lock every client out.
				l.log.Warn("count requests for rate limits", "err", err)
			}
			for key, c := range n {
				base := totals[key] - c // 0 - c on error: every waiter counts as within the limit
				for i, ch := range batch[window{key, start}] {
					ch <- max(base+int64(i)+1, 0)
				}
			}
		}
		l.prune(newest)
	}
}

// prune drops windows older than the one before current, once per window per instance.
func (l *limiter) prune(current int64) {
	l.mu.Lock()
	if current <= l.pruned {
		l.mu.Unlock()
		return
	}
	l.pruned = current
	for k, start := range l.spent {
		if start < current {
			delete(l.spent, k)
		}
	}
	for k, last := range l.seen {
		if last.start < current {
			delete(l.seen, k)
		}
	}
	for w, c := range l.local {
		if w.start < current && c.delta == 0 {
			delete(l.local, w)
		}
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.store.PruneRequests(ctx, time.UnixMilli(current).Add(-time.Hour)); err != nil {
		l.log.Warn("prune rate-limit windows", "err", err)
	}
}

// spendIngest counts one event request of appID in the current second; ok=false when the
// ingest limit is off.
func (l *limiter) spendIngest(appID string, now time.Time) (count, limit int64, reset time.Time, ok bool) {
	if l.limits.Ingest <= 0 {
		return 0, 0, time.Time{}, false
	}
	sec := now.Unix()
	l.ingestMu.Lock()
	w := l.ingest[appID]
	if w.second != sec {
		if len(l.ingest) > 10000 { // forget idle apps now and then
			clear(l.ingest)
		}
		w = ingestWindow{second: sec}
	}
	w.count++
	l.ingest[appID] = w
	l.ingestMu.Unlock()
	return w.count, int64(l.limits.Ingest), time.Unix(sec+1, 0), true
}

// admit applies k's limits to the request: it sets the X-RateLimit headers and, past the
// limit, answers 429 with Retry-After in the family's error shape and returns false.
// Event ingestion has its own per-app limit and never spends the hourly quota.
func (s *Server) admit(f family, w http.ResponseWriter, r *http.Request, k *webhook.Key, scope string) bool {
	now := s.now()
	var count, limit int64
	var reset time.Time
	what, enforced := "requests per hour for this API key", true
	if k.Portal {
		what = "requests per hour for this portal session"
	}
	if scope == webhook.ScopeEventWrite {
		var on bool
		if count, limit, reset, on = s.limits.spendIngest(k.AppID, now); !on {
			// No ingest limit: show the hourly quota, which event requests never spend.
			count, limit, reset = s.limits.peek(k, now)
			enforced = false
		}
		what = "event requests per second for this app"
	} else {
		count, limit, reset = s.limits.spend(k, now)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.FormatInt(limit, 10))
	h.Set("X-RateLimit-Remaining", strconv.FormatInt(max(limit-count, 0), 10))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if !enforced || count <= limit {
		return true
	}
	retry := int64(max(reset.Sub(now).Round(time.Second), time.Second) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(retry, 10))
	writeTooMany(f, w, fmt.Sprintf("Rate limit of %d %s exceeded; retry after %d seconds", limit, what, retry))
	return false
}

// writeTooMany answers 429 in f's error shape (seed 001's on /api/v0).
func writeTooMany(f family, w http.ResponseWriter, details string) {
	const st = http.StatusTooManyRequests
	switch f {
	case v1, sx:
		writeJSON(w, st, map[string]string{"code": "rate_limited", "detail": details})
	case v3:
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.WriteHeader(st)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]string{"status": "429", "title": http.StatusText(st), "detail": details}}})
	default:
		writeJSON(w, st, v0Error{StatusCode: st, Message: "Too many requests", Error: http.StatusText(st), Details: details})
	}
}
