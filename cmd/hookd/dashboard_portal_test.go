package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// bearerStatus is the status GET /api/v0/me answers a token.
func bearerStatus(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v0/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// visibleControls are the texts of the buttons and button-links the page shows.
func (b *browser) visibleControls() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('#view button, #view a.btn, #view input[type=checkbox]')]
		.filter((e) => e.offsetParent !== null).map((e) => e.textContent.trim() || e.id || e.type)`)
}

// openPortal opens a portal link and waits for its webhooks list.
func (b *browser) openPortal(link, token string) {
	b.t.Helper()
	entries := eval[int](b, `history.length`)
	b.navigate(link)
	b.listLoaded("the portal's webhooks")
	// Opening the link adds one history entry, which the page replaces: none keeps the token.
	if n := eval[int](b, `history.length`); n > entries+1 {
		b.t.Errorf("history grew from %d to %d entries opening one link: the link's address stays in it", entries, n)
	}
	if href := eval[string](b, `location.href`); strings.Contains(href, token) || !strings.HasSuffix(href, "/ui/#/webhooks") {
		b.t.Errorf("the address is %s, want /ui/#/webhooks without the token", href)
	}
	if got := eval[string](b, `sessionStorage.getItem('hookd.token') ?? ''`); got != token {
		b.t.Errorf("sessionStorage holds %q, want the portal token", got)
	}
}

// TestDashboardPortal opens portal links: the app's webhooks only, the token moved from the
// address bar to sessionStorage, no event log, and in a read-only session no write action.
func TestDashboardPortal(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	other := cli(t, "apps", "create", "--name", "globex", "--data-dir", dir)
	otherKey := cli(t, "keys", "create", "--app", other["id"].(string), "--data-dir", dir, "--scopes", "webhook:read,webhook:write")
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	rc, _ := newFailingReceiver(t, http.StatusBadGateway)
	billing := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "billing", "url": rc.URL + "/billing",
		"event_types": []string{"invoice.paid"}, "retry_schedule": []float64{}})["id"].(string)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "audit", "url": rc.URL + "/audit", "event_types": []string{"audit.*"}})
	foreign := newClient(t, h.URL, otherKey).must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "globex hook", "url": rc.URL})["id"].(string)
	msg := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{}})["id"].(string)
	eventually(t, 10*time.Second, "a failed delivery", func() bool { s, _ := deliveryOf(t, c, msg); return s == "failed" })

	session := c.must(201, "POST", "/api/v0/portal/sessions", map[string]any{})
	tok := session["token"].(string)
	if link := session["url"].(string); link != h.URL+"/ui/#token="+tok {
		t.Fatalf("portal url = %s, want the dashboard with the token after #", link)
	}

	t.Run("portal", func(t *testing.T) {
		b.t = t
		b.openPortal(session["url"].(string), tok)
		var want []string
		for _, w := range c.must(200, "GET", "/api/v0/webhooks", nil)["data"].([]any) {
			want = append(want, w.(map[string]any)["id"].(string))
		}
		if got := b.rowIDs("#webhooks tbody tr", "data-webhook"); !slices.Equal(got, want) || len(got) != 2 {
			t.Errorf("the portal lists %v, want the app's webhooks %v", got, want)
		}
		if n := b.count(fmt.Sprintf(`tr[data-webhook=%q]`, foreign)); n != 0 {
			t.Error("the portal lists another app's webhook")
		}
		b.waitText("#who-app", "acme")
		b.waitText("#portal-badge", "Portal")
		if n := b.count("#menu-events, a[href^='#/events']"); n != 0 {
			t.Error("the portal offers the event log")
		}
		b.goHash("#/events")
		b.waitTextContains("#no-events", "not part of the portal")
		if n := b.count("#events, #events-form"); n != 0 {
			t.Error("the portal shows the event log")
		}
		// A session that may write sees the write actions.
		b.goHash("#/webhooks")
		b.listLoaded("the list")
		if n := b.count("#new-webhook"); n != 1 {
			t.Error("a writing portal session cannot create a webhook")
		}
		b.goHash("#/webhooks/" + billing)
		b.webhookLoaded("the billing page", 0)
		for _, sel := range []string{"#edit", "#send-test", "#rotate-secret", "#delete", "#deliveries input.pick"} {
			if b.count(sel) != 1 {
				t.Errorf("a writing portal session has no %s", sel)
			}
		}
	})
	b.t = t

	readOnly := c.must(201, "POST", "/api/v0/portal/sessions", map[string]any{"read_only": true})
	roTok := readOnly["token"].(string)
	t.Run("read-only", func(t *testing.T) {
		b.t = t
		b.openPortal(readOnly["url"].(string), roTok)
		b.waitText("#read-only-badge", "Read-only")
		if got := b.visibleControls(); !slices.Equal(got, []string{"Refresh"}) {
			t.Errorf("the read-only list shows controls %v, want only Refresh", got)
		}
		b.goHash("#/webhooks/" + billing)
		b.webhookLoaded("the billing page", 0)
		b.waitFor("the failed delivery listed", `document.querySelector('#deliveries tbody tr .delivery-badge')?.textContent === 'failed'`)
		if got := b.visibleControls(); !slices.Equal(got, []string{"Refresh"}) {
			t.Errorf("the read-only webhook page shows controls %v, want only Refresh", got)
		}
		b.goHash("#/webhooks/" + billing + "/messages/" + msg)
		b.waitText("#delivery-status .delivery-badge", "failed")
		if got := b.visibleControls(); !slices.Equal(got, []string{"Refresh"}) {
			t.Errorf("the read-only delivery page shows controls %v, want only Refresh", got)
		}
		for _, hash := range []string{"#/webhooks/new", "#/webhooks/" + billing + "/edit"} {
			b.goHash(hash)
			b.waitTextContains("#read-only", "read-only")
			if n := b.count("form"); n != 0 {
				t.Errorf("%s shows a form to a read-only session", hash)
			}
		}
		b.click("#signout")
		b.waitFor("the sign-in page", `location.hash === '#/signin' && document.getElementById('token')`)
		if got := eval[bool](b, `sessionStorage.length === 0`); !got {
			t.Error("signing out left the session in sessionStorage")
		}
		if got := bearerStatus(t, h.URL, roTok); got != http.StatusUnauthorized {
			t.Errorf("after signing out the session's token answers %d, want 401", got)
		}
	})
	b.t = t

	t.Run("bad link", func(t *testing.T) {
		b.t = t
		b.navigate(h.URL + "/ui/#token=ck_nobody.cs_nothing")
		b.waitFor("the sign-in page", `location.hash === '#/signin' && document.getElementById('token')`)
		b.waitTextContains("#error", "Invalid client app credentials")
		if href := eval[string](b, `location.href`); strings.Contains(href, "ck_nobody") {
			t.Errorf("the address still holds the token: %s", href)
		}
		if got := eval[bool](b, `sessionStorage.getItem('hookd.token') === null`); !got {
			t.Error("a refused portal token was kept")
		}
	})
	b.t = t
	b.noExceptions()
}

// TestDashboardNarrowScreen opens every page at 420 px wide: none may scroll sideways (tables
// scroll inside their own box, the header wraps).
func TestDashboardNarrowScreen(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	rc, _ := newFailingReceiver(t, http.StatusServiceUnavailable)
	long := "/a-rather-long-path/that/keeps/going/" + strings.Repeat("segment", 8)
	id := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "a webhook with quite a long name for a phone",
		"url": rc.URL + long, "retry_schedule": []float64{}})["id"].(string)
	msg := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.payment_failed.with_a_long_type",
		"payload": map[string]any{"note": strings.Repeat("unbroken", 30)}})["id"].(string)
	eventually(t, 10*time.Second, "the delivery failed", func() bool { s, _ := deliveryOf(t, c, msg); return s == "failed" })
	attempt := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg+"/attempts", nil)["data"].([]any)[0].(map[string]any)["id"].(string)
	session := c.must(201, "POST", "/api/v0/portal/sessions", map[string]any{})

	b.do("a 420 px wide screen", chromedp.EmulateViewport(420, 900))
	fits := func(page string) {
		t.Helper()
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 420 {
			wide := eval[string](b, `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 420)
				.slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className).join(', ')`)
			t.Errorf("%s is %d px wide at 420 px; too wide: %s", page, w, wide)
		}
	}
	b.navigate(h.URL + "/ui/#/signin")
	b.waitFor("the sign-in page", `document.getElementById('token')`)
	fits("the sign-in page")
	b.signInWith(h.URL, key["token"].(string))
	if h := eval[int](b, `document.querySelector('header.top').getBoundingClientRect().width`); h > 420 {
		t.Errorf("the header is %d px wide", h)
	}
	fits("the webhooks list")
	for _, p := range []struct{ hash, ready, name string }{
		{"#/webhooks/" + id, `document.getElementById('webhook-page')?.dataset.loads === '1'`, "the webhook page"},
		{"#/webhooks/" + id + "/messages/" + msg, `document.querySelector('#attempts tbody tr')`, "the delivery page"},
		{"#/webhooks/" + id + "/messages/" + msg + "/attempts/" + attempt, `document.getElementById('response-code')`, "the attempt page"},
		{"#/webhooks/" + id + "/edit", `document.getElementById('edit-form')`, "the edit page"},
		{"#/webhooks/new", `document.getElementById('create-form')`, "the create page"},
		{"#/events", `document.getElementById('events-page')?.dataset.loads === '1'`, "the event log"},
	} {
		b.goHash(p.hash)
		b.waitFor(p.name, p.ready)
		fits(p.name)
	}
	b.openPortal(session["url"].(string), session["token"].(string))
	fits("the portal's list")
	b.noExceptions()
}
