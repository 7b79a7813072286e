package server

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Another app's webhook, message, attempt or call answers 404 on every monitoring route,
// exactly as a missing one does.
func TestMonitorTenantIsolation(t *testing.T) {
	a := newMonitorAPI(t)
	other := a.newTenant("other")
	theirs := a.webhook(a.monitorTenant, "https://example.com/a")
	ev, atts := a.deliver(a.monitorTenant, theirs, "invoice.paid", time.Now(), attemptSpec{code: 500}, attemptSpec{code: 200, final: true})
	mine := a.webhook(other, "https://example.com/b")
	a.deliver(other, mine, "invoice.paid", time.Now(), attemptSpec{code: 200, final: true})

	v1 := "/v1/webhooks/"
	v3 := "/api/v3/notification/webhook/"
	paths := []string{
		"/api/v0/webhooks/" + theirs.ID,
		"/api/v0/webhooks/" + theirs.ID + "?include_events=true",
		"/api/v0/webhooks/" + theirs.ID + "/stats",
		"/api/v0/webhooks/" + theirs.ID + "/diagnostics",
		v1 + theirs.ID + "/messages",
		v1 + theirs.ID + "/messages/" + ev,
		v1 + theirs.ID + "/messages/" + ev + "/attempts",
		v1 + theirs.ID + "/messages/" + ev + "/attempts/" + atts[0],
		// Their message and attempt under my own webhook.
		v1 + mine.ID + "/messages/" + ev,
		v1 + mine.ID + "/messages/" + ev + "/attempts",
		v1 + mine.ID + "/messages/" + ev + "/attempts/" + atts[0],
		v3 + theirs.ID + "/calls",
		v3 + fmt.Sprint(theirs.NumericID) + "/calls",
		v3 + fmt.Sprint(theirs.NumericID) + "/calls?count=true",
		v3 + theirs.ID + "/calls/" + atts[1],
		v3 + fmt.Sprint(theirs.NumericID) + "/calls/" + atts[1],
		// Their call under my own webhook.
		v3 + mine.ID + "/calls/" + atts[1],
		v3 + fmt.Sprint(mine.NumericID) + "/calls/" + atts[0],
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			if got := a.call(other, "GET", p); got.status != http.StatusNotFound {
				t.Errorf("other app: %d %s, want 404", got.status, got.body)
			}
		})
	}
	// The owner sees them all, so the 404s above are about ownership, not the paths.
	for _, p := range paths[:8] {
		if got := a.get(p); got.status != http.StatusOK {
			t.Errorf("owner GET %s = %d %s, want 200", p, got.status, got.body)
		}
	}
	for _, p := range paths[11:16] {
		if got := a.get(p); got.status != http.StatusOK {
			t.Errorf("owner GET %s = %d %s, want 200", p, got.status, got.body)
		}
	}
	// My own lists hold none of theirs.
	page := a.call(other, "GET", v3+mine.ID+"/calls?filter[id]="+atts[0]+","+atts[1]).json(t)
	if d := page["data"].([]any); len(d) != 0 {
		t.Errorf("filter[id] with their call ids under my webhook found %d calls", len(d))
	}
}
