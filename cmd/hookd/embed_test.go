package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tests of hookd inside another site's pages, in a real headless Chromium: the React
// WebhookDetails component of the API's documentation calling the API from another origin
// (--cors-origin), and the dashboard in an iframe (--frame-ancestors). The other site is an
// httptest server on another port of 127.0.0.1: another origin to the browser.

// nodeModules is the node_modules directory, named by HOOKD_TEST_NODE_MODULES, that holds react,
// react-dom and esbuild to build the component. Without it the test is skipped, unless
// HOOKD_TEST_REQUIRE_NODE=1 says it must run (as CI does); a directory without them fails it.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HOOKD_TEST_NODE_MODULES")
	if dir == "" {
		msg := "HOOKD_TEST_NODE_MODULES is not set; to run this test, install react, react-dom and esbuild " +
			"as .ci/run does (npm install --prefix DIR with its exact versions) and set HOOKD_TEST_NODE_MODULES=DIR/node_modules"
		if os.Getenv("HOOKD_TEST_REQUIRE_NODE") == "1" {
			t.Fatal(msg + "; HOOKD_TEST_REQUIRE_NODE=1 requires it")
		}
		t.Skip(msg)
	}
	for _, p := range []string{"react", "react-dom", "esbuild"} {
		if _, err := os.Stat(filepath.Join(dir, p, "package.json")); err != nil {
			t.Fatalf("HOOKD_TEST_NODE_MODULES=%s lacks %s (%v); install the packages .ci/run names there", dir, p, err)
		}
	}
	return dir
}

// bundle builds the WebhookDetails component as its document prints it into one script, as a
// React app's build would: its fetch is pointed at base, the only change to its text; its
// build-time settings process.env.REACT_APP_CLIENT_KEY and _SECRET are creds' client_key and
// client_secret; mount.jsx renders it.
func bundle(t *testing.T, modules, base string, creds map[string]any) []byte {
	t.Helper()
	component, err := os.ReadFile(filepath.Join("testdata", "seed001", "WebhookDetails.jsx"))
	if err != nil {
		t.Fatal(err)
	}
	mount, err := os.ReadFile(filepath.Join("testdata", "seed001", "mount.jsx"))
	if err != nil {
		t.Fatal(err)
	}
	const relative = "fetch(`/api/v0/webhooks/${webhookId}`"
	if n := strings.Count(string(component), relative); n != 1 {
		t.Fatalf("WebhookDetails.jsx calls %s %d times, want once", relative, n)
	}
	src := strings.Replace(string(component), relative, "fetch(`"+base+"/api/v0/webhooks/${webhookId}`", 1) + "\n" + string(mount)

	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.jsx"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	define := func(name string, value any) string {
		v, _ := json.Marshal(value)
		return "--define:" + name + "=" + string(v)
	}
	out := filepath.Join(dir, "app.js")
	cmd := exec.Command(filepath.Join(modules, "esbuild", "bin", "esbuild"), "app.jsx", "--bundle", "--format=iife",
		"--outfile="+out, "--log-level=warning",
		define("process.env.NODE_ENV", "production"),
		define("process.env.REACT_APP_CLIENT_KEY", creds["client_key"]),
		define("process.env.REACT_APP_CLIENT_SECRET", creds["client_secret"]))
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, msg)
	}
	script, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// site is another web site: an httptest server made before hookd starts, so that hookd's flags
// can name its origin, and started once it has its files.
type site struct {
	*httptest.Server
	origin string
}

func newSite(t *testing.T) *site {
	s := &site{Server: httptest.NewUnstartedServer(nil)}
	s.origin = "http://" + s.Listener.Addr().String()
	t.Cleanup(s.Close)
	return s
}

// serve starts the site with its files, by path; other paths are 404.
func (s *site) serve(files map[string]string) {
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		fmt.Fprint(w, body)
	})
	s.Start()
}

// console collects what Chromium writes to the tab's console on its own: a request refused by
// CORS and a frame refused by a Content-Security-Policy are reported there, not to the page.
type console struct {
	mu      sync.Mutex
	entries []string
}

func watchConsole(b *browser) *console {
	b.t.Helper()
	c := &console{}
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*log.EventEntryAdded); ok {
			c.mu.Lock()
			c.entries = append(c.entries, strings.TrimSpace(e.Entry.Text))
			c.mu.Unlock()
		}
	})
	if err == nil {
		_, err = chromedp.Call(b.ctx, log.Enable, cdp.Empty{})
	}
	if err != nil {
		b.t.Fatalf("watch the console: %v", err)
	}
	return c
}

// find returns the first entry that contains every one of parts.
func (c *console) find(parts ...string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
next:
	for _, e := range c.entries {
		for _, p := range parts {
			if !strings.Contains(e, p) {
				continue next
			}
		}
		return e, true
	}
	return "", false
}

// waitFor waits until an entry contains every one of parts.
func (c *console) waitFor(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		if e, ok := c.find(parts...); ok {
			return e
		}
		if time.Now().After(deadline) {
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("no console entry with %q within %s; the console:\n%s", parts, stepTimeout, strings.Join(c.entries, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmbedWebhookDetails: the React WebhookDetails component of the API's documentation, built
// with a key's credentials (or a portal session's) and served by a page of another origin, shows
// a webhook as the API describes it when hookd names that origin with --cors-origin; without the
// flag, or with another origin named, the browser refuses the component the API's answer and it
// shows its error state.
func TestEmbedWebhookDetails(t *testing.T) {
	modules := nodeModules(t)
	parent := newBrowser(t, 3*time.Minute)
	logged := watchConsole(parent)
	rc := newReceiver(t, nil)
	const page = `<!doctype html><meta charset="utf-8"><title>a platform's page</title><div id="root"></div><script src="/app.js"></script>`

	allowed := func(origin string) []string { return []string{"--cors-origin", origin} }
	for _, tc := range []struct {
		name    string
		flags   func(origin string) []string
		portal  bool // built with a read-only portal session's credentials, not the key's
		renders bool
	}{
		{"--cors-origin names the page's origin", allowed, false, true},
		{"--cors-origin names the page's origin, portal session", allowed, true, true},
		{"no --cors-origin", func(string) []string { return nil }, false, false},
		{"--cors-origin names another origin", func(string) []string { return []string{"--cors-origin", "https://app.example.com"} }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &browser{t: t, ctx: parent.ctx}
			dir := t.TempDir()
			_, key := setup(t, "--data-dir", dir)
			other := newSite(t)
			h := serve(t, append([]string{"--data-dir", dir, "--allow-network", loopback}, tc.flags(other.origin)...)...)
			c := newClient(t, h.URL, key)
			id := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "payments", "url": rc.URL + "/hook"})["id"].(string)
			c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"invoice": "in_1"}})
			eventually(t, 10*time.Second, "the event delivered", func() bool { return statsAre(t, c, id, 1, 1, 0) })
			hook := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
			creds := key
			if tc.portal {
				// A page's bundle should not hold a key's secret: a portal session is the app's
				// short-lived credential for it, and its token is the pair the component sends.
				token := c.must(201, "POST", "/api/v0/portal/sessions", map[string]any{"expires_in": 600, "read_only": true})["token"].(string)
				ck, secret, ok := strings.Cut(token, ".")
				if !ok {
					t.Fatalf("portal session token %q is not a client key and secret joined by '.'", token)
				}
				creds = map[string]any{"client_key": ck, "client_secret": secret}
			}

			other.serve(map[string]string{"/": page, "/app.js": string(bundle(t, modules, h.URL, creds))})
			b.navigate(other.URL + "/#" + id)
			b.waitFor("the component done loading", `document.querySelector('#root .webhook-details, #root .error, #root .not-found')`)

			if !tc.renders {
				if got := b.text("#root"); got != "Error: Failed to fetch" {
					t.Fatalf("the component shows %q, want its error state: Error: Failed to fetch", got)
				}
				logged.waitFor(t, "from origin '"+other.origin+"' has been blocked by CORS policy", h.URL+"/api/v0/webhooks/"+id)
				return
			}
			if b.count("#root .webhook-details") == 0 {
				t.Fatalf("the component shows %q, want the webhook", b.text("#root"))
			}
			b.waitText("#root .webhook-details h2", "payments")
			if e, ok := logged.find(other.origin, "CORS"); ok {
				t.Errorf("the console reports a CORS refusal: %s", e)
			}
			stats := hook["delivery_stats"].(map[string]any)
			for _, check := range []struct{ what, got, want string }{
				{"status badge", b.text(".status-badge"), "Active"},
				{"health badge", b.text(".health-badge"), "Healthy"},
				{"configuration", eval[string](b, `[...document.querySelectorAll('.info-item span')].slice(0, 3).map(e => e.textContent).join(' | ')`),
					strings.Join([]string{id, hook["url"].(string), "No"}, " | ")},
				{"delivery statistics", eval[string](b, `[...document.querySelectorAll('.stat-value')].map(e => e.textContent.trim()).join(' | ')`),
					strings.Join([]string{num(stats["total_events"]), num(stats["successful_deliveries"]), num(stats["failed_deliveries"]), "100.0%",
						eval[string](b, `new Date(`+js(stats["last_delivery"].(string))+`).toLocaleDateString()`)}, " | ")},
			} {
				if check.got != check.want {
					t.Errorf("%s shows %q, want %q", check.what, check.got, check.want)
				}
			}
		})
	}
	parent.noExceptions()
}

// inContext evaluates in one execution context.
func inContext(id runtime.ExecutionContextID) chromedp.EvaluateOption {
	return func(p *runtime.EvaluateParams) { p.ContextID = id }
}

// framedDashboard waits until the iframe named name has either loaded the dashboard at ui (its
// sign-in form is there) or been refused it (Chromium shows its error page in the frame, with
// ui as the URL it could not show), and says which.
func framedDashboard(b *browser, name, ui string) bool {
	b.t.Helper()
	var last string
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		loaded, refused, state := frameState(ctx, name, ui)
		cancel()
		switch {
		case loaded:
			return true
		case refused:
			return false
		}
		last = state
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("the frame %q neither showed the dashboard nor was refused it within %s; last: %s", name, stepTimeout, last)
	return false
}

// frameState looks at the frame once. The page's own scripts may not look into a frame of
// another origin; the DevTools protocol may, through a world of its own in that frame.
func frameState(ctx context.Context, name, ui string) (loaded, refused bool, state string) {
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return false, false, "frame tree: " + err.Error()
	}
	for _, child := range tree.FrameTree.ChildFrames {
		f := child.Frame
		if f.Name != name {
			continue
		}
		state = fmt.Sprintf("frame at %q (could not show %q)", f.URL, f.UnreachableURL)
		if f.UnreachableURL == ui {
			return false, true, state
		}
		if f.URL != ui {
			return false, false, state
		}
		world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: f.ID, WorldName: "hookd-test"})
		if err != nil {
			return false, false, state + ": " + err.Error()
		}
		signin, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById('signin-form')`, inContext(world.ExecutionContextID)))
		if err != nil {
			return false, false, state + ": " + err.Error()
		}
		return signin, false, state + fmt.Sprintf(", sign-in form there: %v", signin)
	}
	return false, false, fmt.Sprintf("no frame named %q", name)
}

// TestEmbedDashboardFrame: a page of an origin named with --frame-ancestors shows the dashboard
// in an iframe; without the flag, or with another origin named, the browser refuses the frame
// the dashboard and reports the policy that refused it.
func TestEmbedDashboardFrame(t *testing.T) {
	parent := newBrowser(t, 2*time.Minute)
	logged := watchConsole(parent)
	for _, tc := range []struct {
		name   string
		flags  func(origin string) []string
		framed bool
		policy string // the directive the console names when the frame is refused
	}{
		{"--frame-ancestors names the page's origin", func(origin string) []string { return []string{"--frame-ancestors", origin} }, true, ""},
		{"no --frame-ancestors", func(string) []string { return nil }, false, `"frame-ancestors 'none'"`},
		{"--frame-ancestors names another origin", func(string) []string { return []string{"--frame-ancestors", "https://app.example.com"} }, false,
			`"frame-ancestors https://app.example.com"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &browser{t: t, ctx: parent.ctx}
			other := newSite(t)
			h := serve(t, append([]string{"--data-dir", t.TempDir()}, tc.flags(other.origin)...)...)
			ui := h.URL + "/ui/"
			other.serve(map[string]string{"/": `<!doctype html><meta charset="utf-8"><title>a platform's page</title>` +
				`<iframe name="hookd" src="` + html.EscapeString(ui) + `" width="1000" height="700"></iframe>`})
			b.navigate(other.URL + "/")

			refusal := []string{"Framing '" + h.URL + "/' violates", "Content Security Policy"}
			if got := framedDashboard(b, "hookd", ui); got != tc.framed {
				e, _ := logged.find(refusal...)
				t.Fatalf("the dashboard shown in the frame: %v, want %v (console: %q)", got, tc.framed, e)
			}
			if tc.framed {
				if e, ok := logged.find(refusal...); ok {
					t.Errorf("the console reports the frame refused: %s", e)
				}
				return
			}
			logged.waitFor(t, append(refusal, tc.policy)...)
		})
	}
	parent.noExceptions()
}
