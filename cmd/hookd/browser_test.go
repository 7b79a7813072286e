package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is one tab of a headless Chromium, driven through chromedp, for the dashboard test.
// Every wait is a wait for the page's state (a selector or a JavaScript condition), never a sleep.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu         sync.Mutex
	exceptions []string // uncaught JavaScript exceptions, which fail the test
}

// stepTimeout bounds one step; the whole session is bounded by newBrowser's timeout.
const stepTimeout = 20 * time.Second

// chromiumPath finds a Chromium. Without one the test is skipped, unless
// HOOKD_TEST_REQUIRE_CHROMIUM=1 says it must run (as CI does).
func chromiumPath(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium in PATH (looked for %s); install one, e.g. apt-get install -y chromium", strings.Join(names, ", "))
	if os.Getenv("HOOKD_TEST_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + "; HOOKD_TEST_REQUIRE_CHROMIUM=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium that lives at most timeout.
func newBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	path := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests run as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1024),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
	})
	b := &browser{t: t, ctx: tabCtx}
	err := chromedp.Listen(tabCtx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			b.mu.Lock()
			b.exceptions = append(b.exceptions, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return b
}

// noExceptions fails the test if the page threw anything.
func (b *browser) noExceptions() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.exceptions {
		b.t.Errorf("uncaught JavaScript exception: %s", e)
	}
}

// state describes the page for a failure message: where it is, its banners and its text.
func (b *browser) state() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		location: location.href,
		error: document.getElementById('error')?.textContent,
		notice: document.getElementById('notice')?.textContent,
		page: document.getElementById('view')?.innerText.slice(0, 1500)}, null, 1)`))
	if err != nil {
		return "(page state unavailable: " + err.Error() + ")"
	}
	return "page: " + s
}

// do runs one step's actions.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", step, err, b.state())
	}
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v\n%s", expr, err, b.state())
	}
	return v
}

// waitFor waits until a JavaScript condition holds.
func (b *browser) waitFor(step, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+cond+")",
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		b.t.Fatalf("%s: waiting for %s: %v\n%s", step, cond, err, b.state())
	}
}

// text is the trimmed text of the first element sel matches, or "<missing>".
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector(`+js(sel)+`)?.textContent ?? '<missing>').trim()`)
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, `document.querySelectorAll(`+js(sel)+`).length`)
}

// waitText waits until sel's text is want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitCond(sel, want, "===")
}

// waitTextContains waits until sel's text contains want.
func (b *browser) waitTextContains(sel, want string) {
	b.t.Helper()
	b.waitCond(sel, want, "includes")
}

func (b *browser) waitCond(sel, want, how string) {
	b.t.Helper()
	text := `(document.querySelector(` + js(sel) + `)?.textContent ?? '').trim()`
	cond := text + ` === ` + js(want)
	if how == "includes" {
		cond = text + `.includes(` + js(want) + `)`
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+cond+")",
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		b.t.Fatalf("%s shows %q, want it to %s %q (%v)\n%s", sel, b.text(sel), map[string]string{"===": "be", "includes": "contain"}[how], want, err, b.state())
	}
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// setValue sets an input's value, as typing it would.
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.do("set "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// navigate loads a URL and waits for its load event.
func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
}

// goHash moves the single-page app to a route, as following a link does.
func (b *browser) goHash(hash string) {
	b.t.Helper()
	eval[string](b, `location.hash = `+js(hash))
}
