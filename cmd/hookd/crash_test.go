package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The crash test kills a real hookd process with SIGKILL while it is accepting events and
// delivering them, with default flags, and checks that every event answered 202 reaches the
// receiver (durable before acknowledged, at-least-once after), those accepted before the
// kill within crashRecovery: of the restart on the same store, or of the kill when another
// instance shares the PostgreSQL database and takes the dead one's work over.

const (
	crashEvents  = 2000
	crashPosters = 16
	crashKillAt  = 500 // deliveries the receiver has seen when the process is killed
	// crashRecovery is how soon after the restart (or the kill, beside a survivor) the
	// deliveries accepted before the kill have all arrived.
	crashRecovery = 15 * time.Second
	// crashReceiverDelay keeps a few dozen deliveries in flight while events are posted.
	crashReceiverDelay = 10 * time.Millisecond
)

func TestCrashSQLite(t *testing.T) {
	crashTest(t, false, "--data-dir", t.TempDir())
}

func TestCrashPostgres(t *testing.T) {
	crashTest(t, false, "--database-url", postgresSchema(t))
}

func TestCrashPostgresSurvivor(t *testing.T) {
	crashTest(t, true, "--database-url", postgresSchema(t))
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// hookdBinary builds cmd/hookd once per test run.
func hookdBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "hookd-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hookd")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// process is hookd serve running as a child process.
type process struct {
	cmd    *exec.Cmd
	URL    string
	token  string // the bootstrap admin token, printed on the first start only
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{}
}

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(hookdBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, withServerKey(args)...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKD_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("hookd exited early: %v\n%s\n%s", p.cmd.ProcessState, p.stdout.String(), p.stderr.String())
		default:
		}
		out := p.stdout.String()
		if _, rest, ok := strings.Cut(out, "hookd listening on "); ok {
			p.URL = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
			if _, rest, ok := strings.Cut(out, "token: "); ok {
				p.token = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
			}
			if resp, err := http.Get(p.URL + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return p
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("hookd did not become healthy:\n%s\n%s", p.stdout.String(), p.stderr.String())
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// crashReceiver records webhook-id values and checks every signature.
type crashReceiver struct {
	*httptest.Server
	verifier atomic.Pointer[standardwebhooks.Webhook]
	inFlight atomic.Int64 // requests being answered now

	mu       sync.Mutex
	ids      map[string]int
	total    int
	badSigs  int
	firstBad string
}

func newCrashReceiver(t *testing.T) *crashReceiver {
	rc := &crashReceiver{ids: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var verr error
		if v := rc.verifier.Load(); v == nil {
			verr = errors.New("delivery before the webhook was created")
		} else {
			verr = v.Verify(body, r.Header)
		}
		rc.inFlight.Add(1)
		defer rc.inFlight.Add(-1)
		time.Sleep(crashReceiverDelay) // keep deliveries in flight
		rc.mu.Lock()
		rc.ids[r.Header.Get("webhook-id")]++
		rc.total++
		if verr != nil {
			if rc.badSigs == 0 {
				rc.firstBad = fmt.Sprintf("%s: %v", r.Header.Get("webhook-id"), verr)
			}
			rc.badSigs++
		}
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *crashReceiver) distinct() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids)
}

// missing counts the ids in want that the receiver has not seen.
func (rc *crashReceiver) missing(want []string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, id := range want {
		if rc.ids[id] == 0 {
			n++
		}
	}
	return n
}

// poster posts events one per request to whichever process is current, retrying a post that
// fails to connect once the next process is up.
type poster struct {
	base     atomic.Pointer[string]
	token    string
	client   *http.Client
	next     atomic.Int64
	mu       sync.Mutex
	accepted []string
	failed   int      // requests that got no answer (the process was down or killed mid-request)
	rejected []string // requests answered with an error
}

// answerError is a post that hookd answered, but not with 202 and an id.
type answerError string

func (e answerError) Error() string { return string(e) }

func (p *poster) post(n int64) (id string, ok bool, err error) {
	// The idempotency key makes a retry of a post that was committed but never answered
	// return the same event.
	body, _ := json.Marshal(map[string]any{"event_type": "crash.test", "payload": map[string]any{"n": n}, "idempotency_key": fmt.Sprintf("crash-%d", n)})
	req, _ := http.NewRequest("POST", *p.base.Load()+"/api/v0/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", false, err // the answer was cut: the event may or may not be accepted
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", false, answerError(fmt.Sprintf("%d %s", resp.StatusCode, raw))
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
		return "", false, answerError(fmt.Sprintf("202 %s: no id", raw))
	}
	return v.ID, true, nil
}

func (p *poster) run(ctx context.Context, total int64) {
	for {
		n := p.next.Add(1)
		if n > total {
			return
		}
		for ctx.Err() == nil {
			id, ok, err := p.post(n)
			p.mu.Lock()
			switch {
			case ok:
				p.accepted = append(p.accepted, id)
			case errors.As(err, new(answerError)):
				p.rejected = append(p.rejected, err.Error())
			default: // no answer: the process was down or killed mid-request
				p.failed++
			}
			p.mu.Unlock()
			if err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func (p *poster) counts() (accepted, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.accepted), p.failed
}

// crashTest kills an instance under load; with survivor, a second instance on the same
// PostgreSQL database runs from before the kill and takes the posts after it.
func crashTest(t *testing.T, survivor bool, storeArgs ...string) {
	if testing.Short() {
		t.Skip("builds and kills the hookd binary")
	}
	rc := newCrashReceiver(t)
	args := append(append([]string{}, storeArgs...), "--allow-network", loopback)
	first := startProcess(t, args...)
	if first.token == "" {
		t.Fatalf("no bootstrap token in the first start's output:\n%s", first.stdout.String())
	}

	hook := createHook(t, first.URL, first.token, rc.URL)
	secret, _ := hook["signing_secret"].(string)
	v, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("signing_secret %q: %v", secret, err)
	}
	rc.verifier.Store(v)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ps := &poster{token: first.token, client: &http.Client{Timeout: 30 * time.Second}}
	ps.base.Store(&first.URL)
	start := time.Now()
	var wg sync.WaitGroup
	for range crashPosters {
		wg.Go(func() { ps.run(ctx, crashEvents) })
	}

	eventually(t, 60*time.Second, fmt.Sprintf("receiver saw %d deliveries and has some in flight", crashKillAt), func() bool {
		return rc.distinct() >= crashKillAt && rc.inFlight.Load() >= 4
	})
	var second *process
	if survivor {
		second = startProcess(t, args...)
	}
	inFlightAtKill := rc.inFlight.Load()
	first.kill()
	killed := time.Now()
	ps.mu.Lock()
	beforeKill := append([]string(nil), ps.accepted...)
	ps.mu.Unlock()
	seenAtKill := rc.distinct()

	if !survivor {
		second = startProcess(t, args...)
		if second.token != "" {
			t.Errorf("the second start printed a new bootstrap key; the store lost the first one")
		}
	}
	ps.base.Store(&second.URL)
	recoveryFrom := time.Now() // the restart; beside a survivor, the kill
	if survivor {
		recoveryFrom = killed
	}
	for rc.missing(beforeKill) > 0 && time.Since(recoveryFrom) < 2*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	recovery := time.Since(recoveryFrom)
	if missing := rc.missing(beforeKill); missing > 0 || recovery > crashRecovery {
		t.Errorf("the %d events accepted before the kill arrived %s after the %s (%d still missing), want within %s with default flags",
			len(beforeKill), recovery.Round(100*time.Millisecond), map[bool]string{true: "kill", false: "restart"}[survivor], missing, crashRecovery)
	}
	wg.Wait()
	t.Logf("posted in %s; killed at %s; the %d accepted before the kill all arrived %s later", time.Since(start), killed.Sub(start),
		len(beforeKill), recovery.Round(100*time.Millisecond))
	if ctx.Err() != nil {
		t.Fatal("posting did not finish within 2 minutes")
	}

	ps.mu.Lock()
	accepted := append([]string(nil), ps.accepted...)
	failed, rejected := ps.failed, ps.rejected
	ps.mu.Unlock()
	if len(rejected) > 0 {
		t.Errorf("%d posts were answered with an error, first: %s", len(rejected), rejected[0])
	}
	acceptedAtKill := len(beforeKill)

	deadline := time.Now().Add(60 * time.Second)
	for rc.missing(accepted) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all delivered at %s", time.Since(start))
	// Deliveries the killed process sent but never recorded are sent again once its leases are
	// released: wait until the store has nothing left to deliver before counting duplicates.
	var depth float64
	for time.Now().Before(deadline) {
		if depth = metricValue(t, second.URL, "hookd_queue_depth"); depth == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if depth != 0 {
		t.Errorf("queue depth = %v after 60s, want 0", depth)
	}
	t.Logf("queue empty at %s", time.Since(start))
	time.Sleep(500 * time.Millisecond) // let late duplicates show

	// The counters agree with the log across the kill: each accepted event counted once, and
	// delivered once however many times it was sent.
	stats, _ := getHook(t, second.URL, first.token, hook["id"].(string))["delivery_stats"].(map[string]any)
	for k, want := range map[string]float64{"successful_deliveries": crashEvents, "failed_deliveries": 0, "pending_deliveries": 0} {
		if got := stats[k]; got != want {
			t.Errorf("delivery_stats.%s = %v after the crash, want %v (%v)", k, got, want, stats)
		}
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	lost := 0
	for _, id := range accepted {
		if rc.ids[id] == 0 {
			lost++
		}
	}
	acceptedSet := make(map[string]bool, len(accepted))
	for _, id := range accepted {
		acceptedSet[id] = true
	}
	duplicates, unacknowledged, most := 0, 0, 0
	for id, n := range rc.ids {
		duplicates += n - 1
		most = max(most, n)
		if !acceptedSet[id] {
			unacknowledged++
		}
	}
	t.Logf("%s: accepted %d (%d when killed, receiver had %d and %d in flight), failed posts %d, delivered distinct %d (%d never answered 202), requests %d, lost %d, duplicates %d",
		storeArgs[0], len(accepted), acceptedAtKill, seenAtKill, inFlightAtKill, failed, len(rc.ids), unacknowledged, rc.total, lost, duplicates)
	if lost != 0 {
		t.Errorf("lost %d of %d accepted events after the crash, want 0", lost, len(accepted))
	}
	if len(acceptedSet) != crashEvents {
		t.Errorf("%d distinct event ids accepted for %d posted events, want one each", len(acceptedSet), crashEvents)
	}
	if unacknowledged != 0 {
		t.Errorf("%d delivered events were never answered 202: a retried post with the same idempotency key made a new event", unacknowledged)
	}
	if most > 2 {
		t.Errorf("an event was delivered %d times, want at most 2 (one crash)", most)
	}
	if rc.badSigs != 0 {
		t.Errorf("%d deliveries fail signature verification, first: %s", rc.badSigs, rc.firstBad)
	}
	if _, ok := rc.ids[""]; ok {
		t.Error("a delivery came without webhook-id")
	}
}

// getHook reads a webhook with a Bearer token.
func getHook(t *testing.T, base, token, id string) map[string]any {
	t.Helper()
	return bearerJSON(t, "GET", base+"/api/v0/webhooks/"+id, token, nil, http.StatusOK)
}

// createHook creates a webhook for every event type to url, with a Bearer token.
func createHook(t *testing.T, base, token, url string) map[string]any {
	t.Helper()
	return bearerJSON(t, "POST", base+"/api/v0/webhooks", token, map[string]any{"name": "crash", "url": url}, http.StatusCreated)
}

// bearerJSON makes a request with a Bearer token and a JSON body (none if nil), and requires
// the status want and a JSON object back.
func bearerJSON(t *testing.T, method, url, token string, body any, want int) map[string]any {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if resp.StatusCode != want || json.Unmarshal(raw, &v) != nil {
		t.Fatalf("%s %s = %d %s, want %d", method, url, resp.StatusCode, raw, want)
	}
	return v
}

// metricValue reads one series from /metrics, e.g. `hookd_queue_depth` or
// `hookd_deliveries_total{outcome="delivered"}`. A counter appears once it has counted.
func metricValue(t *testing.T, base, series string) float64 {
	t.Helper()
	v, ok, raw := readMetric(t, base, series)
	if !ok {
		t.Fatalf("no %s in %s/metrics:\n%s", series, base, raw)
	}
	return v
}

// counterValue is a labelled counter's value, 0 while it has none: its series appears at its
// first increment.
func counterValue(t *testing.T, base, series string) float64 {
	t.Helper()
	v, _, _ := readMetric(t, base, series)
	return v
}

func readMetric(t *testing.T, base, series string) (float64, bool, []byte) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s %q: %v", series, v, err)
			}
			return f, true, raw
		}
	}
	return 0, false, raw
}
