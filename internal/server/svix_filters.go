package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// svixAttemptFilter holds the filters of Svix's attempt lists that hookd applies as it reads
// them: the attempt's status and status code class, when it was made, and whether its
// response is shown. On one message's attempts, event_types and channel concern that message.
type svixAttemptFilter struct {
	status        *int // svixSuccess or svixFail (an attempt is never pending or sending)
	class         *int // status_code_class: 0 (no answer), 100, 200, 300, 400 or 500
	before, after *time.Time
	eventTypes    []string
	channel       string
	content       bool
}

func parseSvixAttemptFilter(r *http.Request) (svixAttemptFilter, error) {
	f := svixAttemptFilter{content: withContent(r), eventTypes: listParam(r, "event_types"), channel: r.URL.Query().Get("channel")}
	var err error
	if f.status, err = svixIntParam(r, "status", svixSuccess, svixPending, svixFail, svixSending); err != nil {
		return f, err
	}
	if f.class, err = svixIntParam(r, "status_code_class", 0, 100, 200, 300, 400, 500); err != nil {
		return f, err
	}
	if f.before, err = timeParam(r, "before"); err != nil {
		return f, err
	}
	f.after, err = timeParam(r, "after")
	return f, err
}

// svixIntParam reads an optional number that must be one of allowed.
func svixIntParam(r *http.Request, name string, allowed ...int) (*int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(allowed, n) {
		return nil, webhook.Errorf(webhook.EInvalid, "%s: must be one of %v, got %q", name, allowed, v)
	}
	return &n, nil
}

// matchAttempt reports whether a passes the attempt's own filters.
func (f svixAttemptFilter) matchAttempt(a *webhook.Attempt) bool {
	st := svixFail
	if a.Succeeded() {
		st = svixSuccess
	}
	switch {
	case f.status != nil && *f.status != st:
		return false
	case f.class != nil && *f.class == 0 && a.StatusCode != 0:
		return false
	case f.class != nil && *f.class != 0 && (a.StatusCode < *f.class || a.StatusCode >= *f.class+100):
		return false
	case f.before != nil && !a.CreatedAt.Before(*f.before):
		return false
	case f.after != nil && !a.CreatedAt.After(*f.after):
		return false
	}
	return true
}

// matchEvent reports whether ev passes the message filters (event_types, channel).
func (f svixAttemptFilter) matchEvent(ev *webhook.Event) bool {
	if len(f.eventTypes) > 0 && !slices.Contains(f.eventTypes, ev.Type) {
		return false
	}
	return f.channel == "" || slices.Contains(ev.Channels, f.channel)
}

// svixStatuses are the delivery statuses a Svix message status stands for: pending covers
// hookd's pending and retrying; sending is never reported, so it matches none.
func svixStatuses(status int) []string {
	switch status {
	case svixSuccess:
		return []string{webhook.StatusDelivered}
	case svixPending:
		return []string{webhook.StatusPending, webhook.StatusRetrying}
	case svixFail:
		return []string{webhook.StatusFailed}
	}
	return nil
}
