package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/svix/svix-webhooks/go/models"
)

// bundleSvixReact builds testdata/svix-react/App.jsx into one script, as a platform's build
// would, with its process.env settings: hookd's URL, the portal token and the app it lists.
func bundleSvixReact(t *testing.T, modules string, env map[string]string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "svix-react", "App.jsx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "App.jsx"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "app.js")
	args := []string{"App.jsx", "--bundle", "--format=iife", "--jsx=automatic", "--outfile=" + out, "--log-level=warning",
		`--define:process.env.NODE_ENV="production"`}
	for name, value := range env {
		v, _ := json.Marshal(value)
		args = append(args, "--define:process.env."+name+"="+string(v))
	}
	cmd := exec.Command(filepath.Join(modules, "esbuild", "bin", "esbuild"), args...)
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

// TestSvixReact: svix-react's hooks (SvixProvider, useEndpoints, useMessages), on a page of
// another origin, list an application's endpoints and messages from hookd with a portal token
// from AppPortalAccess, and page through the messages, when hookd names that origin with
// --cors-origin. Without the flag the browser refuses the hooks hookd's answers; with the token
// of another application hookd answers 404.
func TestSvixReact(t *testing.T) {
	modules := nodeModulesWith(t, "svix", "svix-react")
	parent := newBrowser(t, 3*time.Minute)
	logged := watchConsole(parent)
	rc := newReceiver(t, nil)
	const page = `<!doctype html><meta charset="utf-8"><title>a platform's page</title><div id="root"></div><script src="/app.js"></script>`

	for _, tc := range []struct {
		name     string
		cors     bool
		otherApp bool   // the page lists another application than the token's
		error    string // what both lists show, "" when they list
	}{
		{"--cors-origin names the page's origin", true, false, ""},
		{"no --cors-origin", false, false, "TypeError: Failed to fetch"},
		{"the token of another application", true, true, "HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			b := &browser{t: t, ctx: parent.ctx}
			dir := t.TempDir()
			cli(t, "migrate", "--data-dir", dir)
			own := cli(t, "apps", "create", "--name", "platform", "--data-dir", dir)
			op := cli(t, "keys", "create", "--app", own["id"].(string), "--operator", "--data-dir", dir)
			other := newSite(t)
			flags := []string{"--data-dir", dir, "--allow-network", loopback}
			if tc.cors {
				flags = append(flags, "--cors-origin", other.origin)
			}
			h := serve(t, flags...)

			// The platform's backend: an application, its endpoint, three messages, a portal token.
			svx := svixClient(t, h.URL, op["token"].(string))
			app, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Customer 1", Uid: ptr("customer-1")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			second, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Customer 2", Uid: ptr("customer-2")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := svx.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: rc.URL + "/hook"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var sent []string
			for i := range 3 {
				msg, err := svx.Message.Create(ctx, app.Id, models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"n": i}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				sent = append(sent, msg.Id)
				rc.next(t, 10*time.Second)
			}
			access, err := svx.Authentication.AppPortalAccess(ctx, app.Id, models.AppPortalAccessIn{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			listed := app.Id
			if tc.otherApp {
				listed = second.Id
			}

			other.serve(map[string]string{"/": page, "/app.js": string(bundleSvixReact(t, modules,
				map[string]string{"HOOKD_SERVER_URL": h.URL, "HOOKD_PORTAL_TOKEN": access.Token, "HOOKD_APP_ID": listed}))})
			b.navigate(other.URL + "/")
			settled := func(list string) string {
				return `document.querySelector('#` + list + `[data-state=loaded], #` + list + `[data-state=error]')`
			}
			b.waitFor("the endpoints listed", settled("endpoints"))
			b.waitFor("the messages listed", settled("messages"))

			texts := func(sel string) string {
				return eval[string](b, `[...document.querySelectorAll(`+js(sel)+`)].map(e => e.textContent).join(' | ')`)
			}
			if tc.error != "" {
				for _, list := range []string{"endpoints", "messages"} {
					if got := b.text("#" + list + " .error"); got != tc.error {
						t.Errorf("the %s list shows %q, want the error %q", list, got, tc.error)
					}
				}
				if !tc.cors {
					logged.waitFor(t, "from origin '"+other.origin+"' has been blocked by CORS policy", h.URL+"/api/v1/app/"+listed+"/endpoint")
				}
				return
			}
			if got := b.count("#root .error"); got != 0 {
				t.Fatalf("the page shows errors: %s", texts("#root .error"))
			}
			if got, want := texts("#endpoints .endpoint"), ep.Url; got != want {
				t.Errorf("the endpoints list shows %q, want %q", got, want)
			}
			// Pages of two, newest first: the last two messages, then the first.
			if got, want := texts("#messages .message"), sent[2]+" | "+sent[1]; got != want {
				t.Errorf("the first page of messages shows %q, want %q", got, want)
			}
			b.click("#next")
			b.waitFor("the second page of messages", `document.querySelector('#messages[data-state=loaded] #prev:not([disabled])')`)
			b.waitText("#messages .message", sent[0])
			if got := b.count("#messages .message"); got != 1 || eval[bool](b, `!document.querySelector('#next').disabled`) {
				t.Errorf("the second page shows %d messages and a next page, want only the first message", got)
			}
			if e, ok := logged.find(other.origin, "CORS"); ok {
				t.Errorf("the console reports a CORS refusal: %s", e)
			}
			if got := b.count("#root .error"); got != 0 {
				t.Errorf("after paging, the page shows errors: %s", texts("#root .error"))
			}
		})
	}
	parent.noExceptions()
}
