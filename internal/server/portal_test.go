package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// session is a portal session made through the API.
type session struct {
	id, url string
	cred    accessCred
	body    map[string]any
}

// portalSession makes a session of appID with a key of that app holding webhook:write.
func (f *accessFixture) portalSession(appID string, readOnly bool, ttl time.Duration) session {
	f.t.Helper()
	platform := f.key(appID, []string{webhook.ScopeWebhookWrite}, true)
	got := f.do("POST", "/api/v0/portal/sessions", fmt.Sprintf(`{"expires_in":%d,"read_only":%v}`, int(ttl.Seconds()), readOnly), platform, "bearer")
	if got.status != 201 {
		f.t.Fatalf("create portal session = %d %s", got.status, got.body)
	}
	body := got.json(f.t)
	ck, secret, ok := webhook.ParseToken(body["token"].(string))
	if !ok {
		f.t.Fatalf("session token %q is not a Bearer token", body["token"])
	}
	return session{id: body["id"].(string), url: body["url"].(string), cred: accessCred{ck, secret}, body: body}
}

// TestPortalSessions checks every rule of SPEC §3's portal sessions: the app alone, scopes,
// read-only, revocation, expiry and an own rate limit.
func TestPortalSessions(t *testing.T) {
	f := newAccessFixture(t, Options{Limits: Limits{Portal: 40}})
	s := f.portalSession(f.appA, false, 10*time.Minute)

	t.Run("created", func(t *testing.T) {
		want := "http://example.com/ui/#token=" + webhook.Token(s.cred.key, s.cred.secret)
		if s.url != want || strings.Contains(strings.Split(s.url, "#")[0], s.cred.secret) {
			t.Errorf("url = %q, want %q: the token only after #", s.url, want)
		}
		exp, err := time.Parse(time.RFC3339, s.body["expires_at"].(string))
		if err != nil || exp.Sub(time.Now()) < 9*time.Minute || exp.Sub(time.Now()) > 11*time.Minute {
			t.Errorf("expires_at = %v (%v), want in 10 minutes", s.body["expires_at"], err)
		}
		if !strings.HasPrefix(s.id, webhook.PrefixPortal) || s.body["app_id"] != f.appA || s.body["read_only"] != false {
			t.Errorf("session = %v", s.body)
		}
	})

	t.Run("the app's webhooks and actions, nothing else", func(t *testing.T) {
		for _, c := range []struct {
			method, path, body string
			status             int
			message            string
		}{
			{"GET", "/api/v0/webhooks/{wh}", "", 200, ""},
			{"GET", "/api/v0/webhooks", "", 200, ""},
			{"GET", "/v1/webhooks/{wh}/messages", "", 200, ""},
			{"GET", "/api/v3/notification/webhook/{wh}/calls", "", 200, ""},
			{"PATCH", "/api/v0/webhooks/{wh}", `{"description":"from the portal"}`, 200, ""},
			{"POST", "/api/v0/webhooks/{wh}/events/{msg}/retry", "", 202, ""},
			{"GET", "/api/v0/webhooks/{wh}/secret", "", 200, ""},
			{"GET", "/api/v0/me", "", 200, ""},
			{"POST", "/api/v0/events", `{"event_type":"invoice.paid","payload":{}}`, 403, "Missing required scope"},
			{"GET", "/api/v0/events", "", 403, "Missing required scope"},
			{"GET", "/api/v0/events/{msg}", "", 403, "Missing required scope"},
			{"GET", "/api/v0/admin/apps", "", 403, "Missing required scope"},
			{"POST", "/api/v0/portal/sessions", `{}`, 403, "Portal sessions cannot create portal sessions"},
		} {
			got := f.do(c.method, c.path, c.body, s.cred, "bearer")
			if got.status != c.status || (c.message != "" && got.json(t)["message"] != c.message) {
				t.Errorf("%s %s = %d %s, want %d %s", c.method, c.path, got.status, got.body, c.status, c.message)
			}
		}
		// Another app's webhook is as missing to the session as to that app's other keys.
		b := f.portalSession(f.ids["appB"], false, time.Hour)
		if got := f.do("GET", "/api/v0/webhooks/{wh}", "", b.cred, "bearer"); got.status != 404 {
			t.Errorf("app B's session reads app A's webhook: %d %s", got.status, got.body)
		}
		if got := f.do("DELETE", "/api/v0/portal/sessions/"+s.id, "", b.cred, "bearer"); got.status != 404 {
			t.Errorf("app B's session revokes app A's session: %d %s", got.status, got.body)
		}
		me := f.do("GET", "/api/v0/me", "", s.cred, "bearer").json(t)
		if portal, _ := me["portal"].(map[string]any); portal == nil || portal["id"] != s.id || portal["read_only"] != false ||
			me["app"].(map[string]any)["id"] != f.appA {
			t.Errorf("/me = %v, want this session of app A", me)
		}
	})

	t.Run("read-only", func(t *testing.T) {
		ro := f.portalSession(f.appA, true, time.Hour)
		if got := f.do("GET", "/api/v0/webhooks/{wh}", "", ro.cred, "bearer"); got.status != 200 {
			t.Errorf("read = %d %s", got.status, got.body)
		}
		for _, c := range [][3]string{
			{"PATCH", "/api/v0/webhooks/{wh}", `{"description":"x"}`},
			{"POST", "/api/v0/webhooks/{wh}/test", ""},
			{"GET", "/api/v0/webhooks/{wh}/secret", ""},
			{"DELETE", "/api/v0/webhooks/{wh}", ""},
		} {
			if got := f.do(c[0], c[1], c[2], ro.cred, "bearer"); got.status != 403 {
				t.Errorf("read-only %s %s = %d %s, want 403", c[0], c[1], got.status, got.body)
			}
		}
		me := f.do("GET", "/api/v0/me", "", ro.cred, "bearer").json(t)
		if portal, _ := me["portal"].(map[string]any); portal == nil || portal["read_only"] != true {
			t.Errorf("/me of a read-only session = %v", me)
		}
	})

	t.Run("operator names the app", func(t *testing.T) {
		op := f.key(f.ids["spareApp"], []string{webhook.ScopeAdmin}, true)
		got := f.do("POST", "/api/v0/portal/sessions", `{"app_id":"`+f.ids["appB"]+`"}`, op, "bearer")
		if got.status != 201 || got.json(t)["app_id"] != f.ids["appB"] {
			t.Fatalf("operator session for app B = %d %s", got.status, got.body)
		}
		tenant := f.key(f.appA, []string{webhook.ScopeWebhookWrite}, true)
		got = f.do("POST", "/api/v0/portal/sessions", `{"app_id":"`+f.ids["appB"]+`"}`, tenant, "bearer")
		if got.status != 400 || !strings.Contains(got.json(t)["message"].(string), "app_id") {
			t.Errorf("tenant key making a session for another app = %d %s, want 400 naming app_id", got.status, got.body)
		}
		for _, bad := range []string{`{"expires_in":59}`, `{"expires_in":86401}`, `{"expires_in":"soon"}`, `{"read_only":true,"admin":true}`} {
			if got := f.do("POST", "/api/v0/portal/sessions", bad, tenant, "bearer"); got.status != 400 {
				t.Errorf("POST %s = %d %s, want 400", bad, got.status, got.body)
			}
		}
	})

	t.Run("own rate limit", func(t *testing.T) {
		platform := f.key(f.appA, []string{webhook.ScopeWebhookWrite, webhook.ScopeWebhookRead}, true)
		before := f.do("GET", "/api/v0/webhooks", "", platform, "bearer").header.Get("X-RateLimit-Remaining")
		q := f.portalSession(f.appA, true, time.Hour)
		var last apiResponse
		for range 41 {
			last = f.do("GET", "/api/v0/webhooks", "", q.cred, "bearer")
		}
		if last.status != 429 || last.header.Get("X-RateLimit-Limit") != "40" || !strings.Contains(last.json(t)["details"].(string), "portal session") {
			t.Errorf("41st session request = %d %v %s, want 429 at the portal limit of 40", last.status, last.header, last.body)
		}
		after := f.do("GET", "/api/v0/webhooks", "", platform, "bearer").header.Get("X-RateLimit-Remaining")
		if before == "" || after == "" || atoi(t, before)-atoi(t, after) != 1 {
			t.Errorf("the key's remaining quota went %s → %s around 41 session requests; want only its own request spent", before, after)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		r := f.portalSession(f.appA, false, time.Hour)
		platform := f.key(f.appA, []string{webhook.ScopeWebhookWrite}, true)
		if got := f.do("DELETE", "/api/v0/portal/sessions/"+r.id, "", platform, "bearer"); got.status != 204 {
			t.Fatalf("revoke = %d %s", got.status, got.body)
		}
		if got := f.do("GET", "/api/v0/webhooks/{wh}", "", r.cred, "bearer"); got.status != 401 {
			t.Errorf("revoked session reads = %d %s, want 401", got.status, got.body)
		}
		// A session signs itself out.
		self := f.portalSession(f.appA, true, time.Hour)
		if got := f.do("DELETE", "/api/v0/portal/sessions/"+self.id, "", self.cred, "bearer"); got.status != 204 {
			t.Fatalf("sign out = %d %s", got.status, got.body)
		}
		if got := f.do("GET", "/api/v0/me", "", self.cred, "bearer"); got.status != 401 {
			t.Errorf("signed-out session = %d %s, want 401", got.status, got.body)
		}
		// A session cannot revoke another of its app, and a key id is no session id.
		other := f.portalSession(f.appA, false, time.Hour)
		if got := f.do("DELETE", "/api/v0/portal/sessions/"+other.id, "", s.cred, "bearer"); got.status != 404 {
			t.Errorf("one session revokes another = %d %s, want 404", got.status, got.body)
		}
		if got := f.do("DELETE", "/api/v0/portal/sessions/"+f.ids["spareKey"], "", platform, "bearer"); got.status != 400 {
			t.Errorf("DELETE with a key id = %d %s, want 400", got.status, got.body)
		}
	})

	t.Run("expired", func(t *testing.T) {
		// A session whose time is up, as the store holds it an instant after its end.
		ck, secret := webhook.NewKeyCredentials()
		now := time.Now()
		ended := now.Add(-time.Millisecond)
		k := &webhook.Key{ID: webhook.NewID(webhook.PrefixPortal, now), AppID: f.appA, Name: "portal session", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
			Scopes: webhook.PortalScopes(false), Env: webhook.EnvProduction, Active: true, Portal: true, CreatedAt: now.Add(-time.Hour), ExpiresAt: &ended}
		if err := f.st.CreateKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
		got := f.do("GET", "/api/v0/webhooks/{wh}", "", accessCred{ck, secret}, "bearer")
		if want := wantFamilyError(v0, 401, "Portal session expired", "Ask the platform for a new portal link"); got.status != 401 || !sameJSON(got.json(t), want) {
			t.Errorf("expired session = %d %s, want 401 %v", got.status, got.body, want)
		}
		// Making a session deletes the ended ones.
		f.portalSession(f.appA, true, time.Hour)
		if _, err := f.st.GetKey(context.Background(), k.ID); webhook.ErrorCode(err) != webhook.ENotFound {
			t.Errorf("the ended session is still stored: %v", err)
		}
	})
}

func TestPortalSessionURLUsesPublicURL(t *testing.T) {
	f := newAccessFixture(t, Options{PublicURL: "https://hooks.example.com/"})
	s := f.portalSession(f.appA, true, time.Hour)
	if !strings.HasPrefix(s.url, "https://hooks.example.com/ui/#token=") {
		t.Errorf("url = %q, want it under --public-url", s.url)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}
