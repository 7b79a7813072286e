package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// signInWith signs in through the sign-in form and waits for the webhooks list to load.
func (b *browser) signInWith(base, token string) {
	b.t.Helper()
	b.navigate(base + "/ui/#/signin")
	b.waitFor("the sign-in form", `document.getElementById('token')`)
	b.setValue("#token", token)
	b.click("#signin")
	b.listLoaded("signed in")
}

// listLoaded waits until the webhooks list has finished loading.
func (b *browser) listLoaded(step string) {
	b.t.Helper()
	b.waitFor(step, `location.hash === '#/webhooks' && document.querySelector('#webhooks-page #updated time')`)
}

// fill sets a form field's value (setValue cannot set an empty one).
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	if got := eval[string](b, `(() => { const e = document.querySelector(`+js(sel)+`); e.value = `+js(value)+`; return e.value; })()`); got != value {
		b.t.Fatalf("%s holds %q after setting %q", sel, got, value)
	}
}

// rowIDs are the data-event (or other) attribute values of the rows sel matches, in order.
func (b *browser) rowIDs(sel, attr string) []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll(`+js(sel)+`)].map((r) => r.getAttribute(`+js(attr)+`))`)
}

// localInput is a time as the page's datetime-local inputs take it, in the browser's zone, in
// the form the browser gives such a value back: a whole minute has no seconds
// ("2026-12-02T19:01", not "…T19:01:00").
func (b *browser) localInput(t time.Time) string {
	b.t.Helper()
	return eval[string](b, `((d) => { const p = (n) => String(n).padStart(2, '0');
		return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + (d.getSeconds() ? ':' + p(d.getSeconds()) : ''); })(new Date(`+
		js(t.UTC().Format(time.RFC3339))+`))`)
}

// eventIDs lists the ids the event log API answers for a query, newest first.
func eventIDs(t *testing.T, c *client, query string) []string {
	t.Helper()
	var ids []string
	for _, e := range c.must(200, "GET", "/api/v0/events?limit=250&"+query, nil)["data"].([]any) {
		ids = append(ids, e.(map[string]any)["id"].(string))
	}
	return ids
}

// TestDashboardEventLog searches the event log by id, type, delivery status and time against
// what the API answers, pages back with Older, follows a row to its delivery, and shows the
// log only to a key holding event:read.
func TestDashboardEventLog(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	dir := t.TempDir()
	app, key := setup(t, "--data-dir", dir)
	reader := cli(t, "keys", "create", "--app", app["id"].(string), "--data-dir", dir, "--scopes", "webhook:read")
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	ok := newReceiver(t, nil)
	bad, _ := newFailingReceiver(t, http.StatusServiceUnavailable)
	okID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "crm", "url": ok.URL,
		"event_types": []string{"invoice.paid", "user.created"}})["id"].(string)
	badID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "ledger", "url": bad.URL,
		"event_types": []string{"invoice.paid"}, "retry_schedule": []float64{}})["id"].(string)

	// 52 events no webhook takes, oldest, to page through; then three before a second
	// boundary and two after it, to search by time.
	var noise []any
	for i := range 52 {
		noise = append(noise, map[string]any{"event_type": "noise.tick", "payload": map[string]any{"i": i}})
	}
	c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": noise})
	send := func(typ string) string {
		return c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": typ, "payload": map[string]any{}})["id"].(string)
	}
	before := []string{send("user.created"), send("user.created"), send("invoice.paid")}
	boundary := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(boundary) + 20*time.Millisecond) // the inputs hold whole seconds
	after := []string{send("user.created"), send("invoice.paid")}
	eventually(t, 10*time.Second, "every delivery final", func() bool {
		return ok.count() == 5 && bad.count() == 2 &&
			len(eventIDs(t, c, "status=pending")) == 0 && len(eventIDs(t, c, "status=retrying")) == 0
	})
	paid := after[1]

	b.signInWith(h.URL, key["token"].(string))
	b.click("#menu-events")
	b.waitFor("the event log", `document.querySelectorAll('#events tbody tr').length === 50`)
	if got, want := b.rowIDs("#events tbody tr", "data-event"), eventIDs(t, c, "")[:50]; !slices.Equal(got, want) {
		t.Fatalf("the log shows %v, want the API's newest 50 %v", got, want)
	}
	search := func(step string, fields map[string]string, want []string) {
		t.Helper()
		for _, f := range []string{"id", "event_type", "status", "since", "until"} {
			b.fill("#events-"+f, fields[f])
		}
		// Each search draws a new page; the one before is marked so it cannot pass for it.
		eval[string](b, `document.getElementById('events-page').dataset.stale = 'yes'`)
		b.click("#events-search")
		b.waitFor(step, fmt.Sprintf(`(() => { const p = document.getElementById('events-page');
			return !p.dataset.stale && p.dataset.loads === '1' && p.querySelectorAll('#events tbody tr').length === %d; })()`, len(want)))
		if got := b.rowIDs("#events tbody tr", "data-event"); !slices.Equal(got, want) {
			t.Errorf("%s: the log shows %v, want %v", step, got, want)
		}
	}

	t.Run("by id", func(t *testing.T) {
		b.t = t
		search("search by id", map[string]string{"id": paid}, []string{paid})
		row := fmt.Sprintf(`tr[data-event=%q]`, paid)
		b.waitText(row+" .event-type", "invoice.paid")
		// Both webhooks took it: one link each, to that delivery's page, with its status.
		for id, status := range map[string]string{okID: "delivered", badID: "failed"} {
			link := fmt.Sprintf(`%s li[data-webhook=%q]`, row, id)
			b.waitText(link+" .delivery-badge", status)
			href := eval[string](b, `document.querySelector(`+js(link+" a")+`).getAttribute('href')`)
			if want := "#/webhooks/" + id + "/messages/" + paid; href != want {
				t.Errorf("delivery link = %s, want %s", href, want)
			}
		}
		b.click(fmt.Sprintf(`%s li[data-webhook=%q] a`, row, badID))
		b.waitText("#delivery-status .delivery-badge", "failed")
		b.waitText("#event-type", "invoice.paid")
		b.do("back to the log", chromedp.NavigateBack())
		b.waitFor("the search kept", `document.getElementById('events-id')?.value === `+js(paid)+
			` && document.querySelectorAll('#events tbody tr').length === 1`)
	})
	b.t = t

	t.Run("by type", func(t *testing.T) {
		b.t = t
		want := []string{after[0], before[1], before[0]}
		if api := eventIDs(t, c, "event_type=user.created"); !slices.Equal(api, want) {
			t.Fatalf("API user.created events = %v, want %v", api, want)
		}
		search("search by type", map[string]string{"event_type": "user.created"}, want)
	})
	b.t = t

	t.Run("by status", func(t *testing.T) {
		b.t = t
		search("search by status", map[string]string{"status": "failed"}, []string{after[1], before[2]})
		search("type and status", map[string]string{"event_type": "user.created", "status": "failed"}, nil)
		b.waitFor("the empty note", `!document.getElementById('events-empty').hidden`)
	})
	b.t = t

	t.Run("by time", func(t *testing.T) {
		b.t = t
		at := b.localInput(boundary)
		search("after the boundary", map[string]string{"since": at}, []string{after[1], after[0]})
		q := url.Values{"since": {boundary.UTC().Format("2006-01-02T15:04:05.000Z")}}.Encode()
		if hash := eval[string](b, `location.hash`); hash != "#/events?"+q {
			t.Errorf("the search's address is %s, want #/events?%s", hash, q)
		}
		search("before it, invoices", map[string]string{"until": at, "event_type": "invoice.paid"}, []string{before[2]})
	})
	b.t = t

	t.Run("older", func(t *testing.T) {
		b.t = t
		search("the noise", map[string]string{"event_type": "noise.tick"}, eventIDs(t, c, "event_type=noise.tick")[:50])
		b.click("#events-older")
		b.waitFor("the last two", `document.querySelectorAll('#events tbody tr').length === 52`)
		if got, want := b.rowIDs("#events tbody tr", "data-event"), eventIDs(t, c, "event_type=noise.tick"); !slices.Equal(got, want) {
			t.Errorf("after Older the log shows %d events, want the API's %d in its order", len(got), len(want))
		}
		if b.count("#events-older:not([hidden])") != 0 {
			t.Error("Older still shows after the last page")
		}
	})
	b.t = t

	t.Run("needs event:read", func(t *testing.T) {
		b.t = t
		b.click("#signout")
		b.signInWith(h.URL, reader["token"].(string))
		if n := b.count("#menu-events"); n != 0 {
			t.Error("a key without event:read is offered the event log")
		}
		b.goHash("#/events")
		b.waitTextContains("#no-events", "needs the event:read scope")
		if n := b.count("#events"); n != 0 {
			t.Error("the event log shows for a key without event:read")
		}
	})
	b.t = t
	b.noExceptions()
}

// TestDashboardCreateDeleteBulkRetry creates a webhook in the form (its secret shown once),
// fails deliveries at a real failing receiver, retries the failed ones in bulk (one delivery's
// error reported beside it), and deletes the webhook after a confirm step.
func TestDashboardCreateDeleteBulkRetry(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--breaker-threshold", "-1")
	c := newClient(t, h.URL, key)
	rc, _ := newFailingReceiver(t, http.StatusInternalServerError)
	b.signInWith(h.URL, key["token"].(string))

	b.click("#new-webhook")
	b.waitFor("the create form", `document.getElementById('create-form')`)
	b.setValue("#create-url", rc.URL+"/orders")
	b.setValue("#create-name", "orders")
	b.setValue("#create-description", "order events")
	b.setValue("#create-event_types", "order.created, order.paid")
	b.click("#create")
	b.waitTextContains("#new-secret", "whsec_")
	href := eval[string](b, `document.getElementById('created-link').getAttribute('href')`)
	id := strings.TrimPrefix(href, "#/webhooks/")
	hook := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
	if hook["url"] != rc.URL+"/orders" || hook["name"] != "orders" || hook["description"] != "order events" ||
		fmt.Sprint(hook["event_types"]) != "[order.created order.paid]" {
		t.Fatalf("the API has %v, want the form's values", hook)
	}
	if secret := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil)["signing_secret"]; b.text("#new-secret") != secret {
		t.Errorf("the page shows secret %q, the API %v", b.text("#new-secret"), secret)
	}
	if stored := eval[string](b, `JSON.stringify(sessionStorage) + JSON.stringify(localStorage)`); strings.Contains(stored, "whsec_") {
		t.Error("the secret was stored in the browser")
	}
	b.goHash("#/webhooks")
	b.listLoaded("the list")
	b.waitText(fmt.Sprintf(`tr[data-webhook=%q] .webhook-link`, id), "orders")
	b.goHash("#/webhooks/new")
	b.waitFor("the form again", `document.getElementById('create-form')`)
	if n := b.count("#new-secret"); n != 0 {
		t.Error("the secret still shows after leaving the page")
	}

	// Three deliveries fail at once (no retries), at the receiver that always answers 500.
	c.must(200, "PATCH", "/api/v0/webhooks/"+id, map[string]any{"retry_schedule": []float64{}})
	var msgs []string
	for range 3 {
		msgs = append(msgs, c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "order.created", "payload": map[string]any{}})["id"].(string))
	}
	eventually(t, 10*time.Second, "three failed deliveries", func() bool { return statsAre(t, c, id, 3, 0, 3) })
	b.goHash("#/webhooks/" + id)
	b.webhookLoaded("the webhook page", 0)
	b.waitFor("a checkbox on each failed delivery", `document.querySelectorAll('#deliveries input.pick').length === 3`)
	b.click("#select-failed")
	b.waitText("#retry-selected", "Retry selected (3)")
	before := rc.count()
	b.click("#retry-selected")
	b.waitText("#bulk-queued", "3 of 3 retries queued.")
	eventually(t, 20*time.Second, "the receiver got the three retries", func() bool { return rc.count() == before+3 })
	for _, m := range msgs {
		eventually(t, 10*time.Second, "a manual attempt on "+m, func() bool {
			got := attemptTriggers(t, c, id, m)
			return len(got) == 2 && got[0] == "manual"
		})
	}

	// One checked delivery is gone by the time Retry runs: its error shows beside its id, the
	// other is queued.
	loads := b.webhookLoaded("the webhook page", 0)
	b.click("#refresh")
	b.webhookLoaded("refreshed", loads)
	b.waitFor("failed again", `document.querySelectorAll('#deliveries input.pick').length === 3`)
	gone := "msg_0000000000000000000000gone"
	_, refused := c.do("POST", "/api/v0/webhooks/"+id+"/events/"+gone+"/retry", nil)
	eval[bool](b, `(() => { const boxes = document.querySelectorAll('#deliveries input.pick');
		boxes[0].value = `+js(gone)+`; boxes[0].click(); boxes[1].click(); return true; })()`)
	b.waitText("#retry-selected", "Retry selected (2)")
	b.click("#retry-selected")
	b.waitText("#bulk-queued", "1 of 2 retries queued.")
	b.waitTextContains(fmt.Sprintf(`#bulk-errors li[data-message=%q]`, gone), gone+": "+refused["message"].(string))

	b.click("#delete")
	b.waitFor("the confirm step", `!document.getElementById('delete-confirm').hidden`)
	b.click("#cancel-delete")
	b.waitFor("no confirm step", `document.getElementById('delete-confirm').hidden && !document.getElementById('delete').hidden`)
	c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
	b.click("#delete")
	b.click("#confirm-delete")
	b.listLoaded("back on the list")
	b.waitText("#notice", "Webhook orders deleted.")
	if n := b.count(fmt.Sprintf(`tr[data-webhook=%q]`, id)); n != 0 {
		t.Error("the deleted webhook is still listed")
	}
	c.must(404, "GET", "/api/v0/webhooks/"+id, nil)
	b.noExceptions()
}

// TestDashboardRequestBudget counts the API requests a development key (100 an hour) spends
// on each view, through X-RateLimit-Remaining as /me reports it, and checks the page shows the
// same quota.
func TestDashboardRequestBudget(t *testing.T) {
	// What a view may cost: sign-in asks /me once, then the list; a webhook page reads the
	// webhook, its diagnostics, its chart and its deliveries; seen again within 30 s, nothing.
	const signInCost, webhookPageCost, revisitCost = 2, 4, 0
	b := newBrowser(t, 60*time.Second)
	dir := t.TempDir()
	app, _ := setup(t, "--data-dir", dir)
	key := cli(t, "keys", "create", "--app", app["id"].(string), "--data-dir", dir, "--env", "development",
		"--scopes", "webhook:read,webhook:write,webhook:secret,event:write")
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	rc := newReceiver(t, nil)
	id := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "budget", "url": rc.URL})["id"].(string)
	left := func() int {
		return int(c.must(200, "GET", "/api/v0/me", nil)["rate_limit"].(map[string]any)["remaining"].(float64))
	}
	// cost runs a view and checks the requests it spent (the /me asking after it is not counted).
	shown := 0 // the quota the page shows: what was left after its own last request
	cost := func(what string, max int, view func()) {
		t.Helper()
		before := left()
		view()
		after := left()
		got := before - after - 1
		t.Logf("%s: %d requests", what, got)
		if got > max {
			t.Errorf("%s cost %d requests, want at most %d", what, got, max)
		}
		if got > 0 {
			shown = after + 1
		}
		b.waitFor("the quota shown", fmt.Sprintf(`document.getElementById('quota').dataset.remaining === '%d'`, shown))
	}
	page := func(step string) {
		b.goHash("#/webhooks/" + id)
		b.waitFor(step, `document.getElementById('webhook-page')?.dataset.loads === '1'`)
	}
	cost("sign in and the list", signInCost, func() { b.signInWith(h.URL, key["token"].(string)) })
	b.waitTextContains("#quota", "/100 requests left this hour")
	cost("a webhook page", webhookPageCost, func() { page("the webhook page") })
	cost("the list and the webhook page again", revisitCost, func() {
		b.goHash("#/webhooks")
		b.listLoaded("the list again")
		page("the webhook page again")
	})
	cost("a reloaded tab (no second /me)", webhookPageCost, func() {
		b.do("reload", chromedp.Reload())
		b.waitFor("the webhook page after reload", `document.getElementById('webhook-page')?.dataset.loads === '1'`)
	})
	cost("Refresh", webhookPageCost, func() {
		b.click("#refresh")
		b.webhookLoaded("refreshed", 1)
	})
	b.noExceptions()
}
