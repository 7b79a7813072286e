package webhook

import (
	"sort"
	"testing"
	"time"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		patterns []string
		typ      string
		want     bool
	}{
		{nil, "anything", true},
		{[]string{"*"}, "a.b", true},
		{[]string{"invoice.paid"}, "invoice.paid", true},
		{[]string{"invoice.paid"}, "invoice.failed", false},
		{[]string{"invoice.*"}, "invoice.paid", true},
		{[]string{"invoice.*"}, "invoice.line.added", true},
		{[]string{"invoice.*"}, "invoice", false},
		{[]string{"invoice.*"}, "invoices.paid", false},
		{[]string{"invoice.*"}, "invoice.", false},
		{[]string{"user.created", "invoice.*"}, "user.created", true},
	}
	for _, tt := range tests {
		if got := Matches(tt.patterns, tt.typ); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.patterns, tt.typ, got, tt.want)
		}
	}
}

// An id tells when it was made: FirstID(t) sorts after every id made before t and at or
// before every id made from t on, a clock a little behind the last id still makes later ids,
// and one far behind makes ids of its own time (retention reads the log by id).
func TestFirstIDBoundsIDsByTime(t *testing.T) {
	t1 := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	before, at := NewID(PrefixAttempt, t1.Add(-time.Millisecond)), NewID(PrefixAttempt, t1)
	first := FirstID(PrefixAttempt, t1)
	if !(before < first && first <= at) || !ValidID(PrefixAttempt, first) {
		t.Errorf("FirstID = %s; want a valid id after %s and not after %s", first, before, at)
	}
	if lagging := NewID(PrefixAttempt, t1.Add(-time.Second)); lagging <= at {
		t.Errorf("an id asked for 1 s behind the last = %s, want after %s", lagging, at)
	}
	long := t1.Add(-24 * time.Hour)
	if past := NewID(PrefixAttempt, long); past >= FirstID(PrefixAttempt, long.Add(time.Millisecond)) || past < FirstID(PrefixAttempt, long) {
		t.Errorf("an id asked for a day behind = %s, want one of that day's time %s", past, FirstID(PrefixAttempt, long))
	}
}

func TestIDTime(t *testing.T) {
	t1 := time.Date(2026, 12, 2, 23, 59, 59, 999e6, time.UTC)
	for _, id := range []string{FirstID(PrefixEvent, t1), NewID(PrefixEvent, t1)} {
		if got, ok := IDTime(PrefixEvent, id); !ok || !got.Equal(t1) {
			t.Errorf("IDTime(%s) = %v, %v; want %v", id, got, ok, t1)
		}
	}
	for _, id := range []string{"", "msg_", "msg_0123", "dlv_" + FirstID("", t1), "msg_0123456U89ABCDEFGHJKMNPQRS", "msg_8ZZZZZZZZZ0000000000000000"} {
		if got, ok := IDTime(PrefixEvent, id); ok {
			t.Errorf("IDTime(%q) = %v, want not an id", id, got)
		}
	}
}

func TestNewIDIsSortableAndValid(t *testing.T) {
	now := time.Now()
	var ids []string
	for range 1000 {
		ids = append(ids, NewID(PrefixEvent, now))
	}
	ids = append(ids, NewID(PrefixEvent, now.Add(time.Millisecond)))
	if !sort.StringsAreSorted(ids) {
		t.Error("ids made in order are not sorted")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidID(PrefixEvent, id) || !ValidIDFormat(PrefixEvent, id) || seen[id] {
			t.Fatalf("id %q invalid or repeated", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "msg_", "wh_01ARZ3NDEKTSV4RRFFQ69G5FAV", "msg_01ARZ3NDEKTSV4RRFFQ69G5FA!", "msg_81ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		if ValidID(PrefixEvent, bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{{"wh_123456789", true}, {"wh_", false}, {"wh_12-3", false}, {"123", false}, {"wh_" + string(make([]byte, 65)), false}} {
		if got := ValidIDFormat(PrefixWebhook, tc.id); got != tc.want {
			t.Errorf("ValidIDFormat(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestNextRetryAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for attempts, d := range DefaultRetrySchedule {
		at, ok := NextRetryAt(now, attempts+1, DefaultRetrySchedule, 0)
		lo, hi := now.Add(d*8/10), now.Add(d*12/10)
		if !ok || at.Before(lo) || at.After(hi) {
			t.Errorf("after %d attempts: %v, %v; want within %v..%v", attempts+1, at, ok, lo, hi)
		}
	}
	if _, ok := NextRetryAt(now, len(DefaultRetrySchedule)+1, DefaultRetrySchedule, 0); ok {
		t.Error("schedule exhausted but a retry was scheduled")
	}
	if at, _ := NextRetryAt(now, 1, DefaultRetrySchedule, 30*time.Second); !at.Equal(now.Add(30 * time.Second)) {
		t.Errorf("Retry-After 30s gave %v", at)
	}
	if at, _ := NextRetryAt(now, 1, DefaultRetrySchedule, 48*time.Hour); !at.Equal(now.Add(MaxRetryAfter)) {
		t.Errorf("Retry-After 48h gave %v, want clamped to %v", at, MaxRetryAfter)
	}
	if _, ok := NextRetryAt(now, 1, []time.Duration{}, 0); ok {
		t.Error("empty schedule retried")
	}
}

func TestValidate(t *testing.T) {
	base := func() *Webhook { return &Webhook{Name: "n", URL: "https://example.com/h"} }
	tests := []struct {
		name string
		mod  func(*Webhook)
		want string // "" = valid
	}{
		{"ok", func(*Webhook) {}, ""},
		{"no name", func(w *Webhook) { w.Name = " " }, "name is required"},
		{"no url", func(w *Webhook) { w.URL = "" }, "url is required"},
		{"ftp", func(w *Webhook) { w.URL = "ftp://x" }, `url must be an absolute http or https URL, got "ftp://x"`},
		{"no host", func(w *Webhook) { w.URL = "http:///x" }, `url must include a host, got "http:///x"`},
		{"credentials", func(w *Webhook) { w.URL = "https://u:p@x.example" }, "url must not contain credentials; use headers instead"},
		{"space in url", func(w *Webhook) { w.URL = "https://x.example/a?q=b c" }, `url must not contain ' ' (at byte 23): percent-encode it (a space is %20)`},
		{"escaped url", func(w *Webhook) { w.URL = "https://x.example/a%20b?q=b%2Bc" }, ""},
		{"NUL in name", func(w *Webhook) { w.Name = "a\x00" }, "name must not contain control characters (found U+0000 at byte 1)"},
		{"NUL in description", func(w *Webhook) { w.Description = "a\n\x00" }, "description must not contain control characters (found U+0000 at byte 2)"},
		{"bad pattern", func(w *Webhook) { w.EventTypes = []string{"a b"} }, `event_types: "a b" is not an event type or a prefix.* pattern`},
		{"reserved header", func(w *Webhook) { w.Headers = map[string]string{"webhook-signature": "x"} }, `headers: "webhook-signature" is set by hookd and cannot be overridden`},
		{"negative rate", func(w *Webhook) { w.RateLimit = -1 }, "rate_limit must be 0 (none) or a positive number of deliveries per second"},
		{"timeout", func(w *Webhook) { w.Timeout = time.Hour }, "timeout must be between 1 and 60 seconds"},
	}
	for _, tt := range tests {
		w := base()
		tt.mod(w)
		err := w.Validate()
		got := ""
		if err != nil {
			got = err.Error()
			if ErrorCode(err) != EInvalid {
				t.Errorf("%s: code %q, want %q", tt.name, ErrorCode(err), EInvalid)
			}
		}
		if got != tt.want {
			t.Errorf("%s: Validate() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestValidMultiline(t *testing.T) {
	tests := []struct {
		s    string
		want string
	}{
		{"Billing – prod ✓", ""},
		{"line one\r\n\tline two", ""},
		{"a\n\x00", "f must not contain control characters (found U+0000 at byte 2)"},
		{"a\n\x7f", "f must not contain control characters (found U+007F at byte 2)"},
		{"\u0085", "f must not contain control characters (found U+0085 at byte 0)"},
		{"a\xff", "f is not valid UTF-8"},
	}
	for _, tt := range tests {
		got := ""
		if err := validMultiline("f", tt.s); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("validMultiline(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
