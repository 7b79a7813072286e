package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// benchJSON runs a tiny bench through run() and decodes its one JSON object.
func benchJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"bench", "--events", "200", "--concurrency", "8", "--rate", "200", "--duration", "500ms", "--idle", "3", "--json"}, args...)
	if err := run(context.Background(), args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("hookd %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	if strings.Contains(errOut.String(), "stalled") {
		t.Logf("stderr: %s", errOut.String()) // slow, not wrong: the totals below decide
	}
	dec := json.NewDecoder(&out)
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("stdout %q is not a JSON object: %v", out.String(), err)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value: %q", out.String())
	}
	return v
}

// checkBench checks a benchJSON run: every event accepted, each delivered fanout times to
// distinct webhooks, nothing lost, the events spread evenly over instances.
func checkBench(t *testing.T, v map[string]any, wantStore string, fanout, instances int) {
	t.Helper()
	for _, k := range []string{"store", "raw_ceiling_rps", "accepted_per_s", "delivered_per_s", "ratio_to_ceiling", "latency_ms",
		"idle_latency_ms", "cpu_s_per_1000", "peak_rss_mb", "events", "delivered", "lost"} {
		if _, ok := v[k]; !ok {
			t.Errorf("key %q missing from %v", k, v)
		}
	}
	if got := v["gogc"]; got != float64(gcPercent()) {
		t.Errorf("gogc = %v, want the process's %d", got, gcPercent())
	}
	lat, _ := v["latency_ms"].(map[string]any)
	for _, k := range []string{"p50", "p95", "p99"} {
		if f, ok := lat[k].(float64); !ok || f <= 0 {
			t.Errorf("latency_ms.%s = %v, want a positive number", k, lat[k])
		}
	}
	if got := v["store"]; got != wantStore {
		t.Errorf("store = %v, want %s", got, wantStore)
	}
	// 500 warm-up events are capped at --events (200), plus 200 at full load, 100 paced and 3 idle.
	if got, want := v["events"], float64(200+200+100+3); got != want {
		t.Errorf("events = %v, want %v", got, want)
	}
	const events = 200 + 200 + 100 + 3
	for k, want := range map[string]float64{"fanout": float64(fanout), "instances": float64(instances),
		"expected_deliveries": events * float64(fanout), "delivered": events * float64(fanout),
		"full_load_events": 200, "full_load_deliveries": 200 * float64(fanout)} {
		if got := v[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	// Round-robin: the instances' shares differ by at most one event.
	perInstance, _ := v["events_per_instance"].([]any)
	if len(perInstance) != instances {
		t.Errorf("events_per_instance = %v, want %d numbers", v["events_per_instance"], instances)
	}
	for i, n := range perInstance {
		if f, _ := n.(float64); f < events/float64(instances)-1 || f > events/float64(instances)+1 {
			t.Errorf("events_per_instance[%d] = %v, want %d/%d (±1)", i, n, events, instances)
		}
	}
	for _, k := range []string{"full_load_errors", "lost", "duplicates", "malformed", "rejected"} {
		if got := v[k]; got != float64(0) {
			t.Errorf("%s = %v, want 0", k, got)
		}
	}
	if _, ok := v["failed_attempts"].(map[string]any); !ok {
		t.Errorf("failed_attempts = %v, want an object", v["failed_attempts"])
	}
	for _, k := range []string{"raw_ceiling_rps", "relay_ceiling_rps", "accepted_per_s", "delivered_per_s", "ratio_to_ceiling", "ratio_to_relay",
		"idle_latency_ms", "cpu_s_per_1000", "peak_rss_mb"} {
		if f, ok := v[k].(float64); !ok || f <= 0 {
			t.Errorf("%s = %v, want a positive number", k, v[k])
		}
	}
}

func TestBenchSQLite(t *testing.T) {
	v := benchJSON(t)
	checkBench(t, v, "sqlite", 1, 1)
	if c, ok := v["postgres_per_event"]; ok {
		t.Errorf("a SQLite run reports postgres_per_event %v", c)
	}
}

// TestBenchFanout: each event reaches --fanout webhooks, and every figure counts deliveries.
func TestBenchFanout(t *testing.T) {
	checkBench(t, benchJSON(t, "--fanout", "3", "--webhooks", "2"), "sqlite", 3, 1)
}

func TestBenchPostgres(t *testing.T) {
	url := os.Getenv("HOOKD_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HOOKD_TEST_POSTGRES_URL not set")
	}
	v := benchJSON(t, "--store", "postgres", "--database-url", url)
	checkBench(t, v, "postgres", 1, 1)
	checkPGCost(t, v)
}

// checkPGCost: a PostgreSQL run says what the server did per event. hookd inserts at least an
// event, a delivery, its queue row and an attempt for each, updates the delivery once and
// deletes the queue row; other work on the shared database can only add to that.
func checkPGCost(t *testing.T, v map[string]any) {
	t.Helper()
	c, ok := v["postgres_per_event"].(map[string]any)
	if !ok {
		t.Fatalf("postgres_per_event = %v, want an object", v["postgres_per_event"])
	}
	for k, least := range map[string]float64{"commits": 0.001, "rows_inserted": 4, "rows_updated": 1, "rows_deleted": 1, "wal_bytes": 512} {
		if f, ok := c[k].(float64); !ok || f < least {
			t.Errorf("postgres_per_event.%s = %v, want at least %v", k, c[k], least)
		}
	}
}

// TestBenchInstances: two servers on one schema share the load, one webhook, and lose nothing.
func TestBenchInstances(t *testing.T) {
	url := os.Getenv("HOOKD_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HOOKD_TEST_POSTGRES_URL not set")
	}
	checkBench(t, benchJSON(t, "--store", "postgres", "--database-url", url, "--instances", "2"), "postgres", 1, 2)
}

func TestBenchTable(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"one webhook", nil, []string{"1 event type(s) × fan-out 1 = 1 webhook(s); hookd,", "(50 deliveries;", "events / delivered / lost  105 / 105 / 0"}},
		{"fan-out", []string{"--fanout", "2", "--webhooks", "2"}, []string{"2 event type(s) × fan-out 2 = 4 webhook(s)", "(100 deliveries;",
			"events / delivered / lost  105 × 2 / 210 / 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"bench", "--events", "50", "--concurrency", "4", "--rate", "0", "--idle", "5"}, tt.args...)
			if err := run(context.Background(), args, noEnv, &out, &errOut); err != nil {
				t.Fatalf("hookd bench: %v\n%s", err, errOut.String())
			}
			for _, want := range append([]string{"raw loopback ceiling", "relay ceiling", "events accepted", "deliveries end to end",
				"latency at full load", "idle latency", "CPU per 1,000 deliveries", "peak RSS"}, tt.want...) {
				if !strings.Contains(out.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, out.String())
				}
			}
			// Single events arrive in milliseconds: waiting 20 s for one means the bench miscounted
			// (a delivery that beat its own 202 back was once waited for a second time).
			if strings.Contains(errOut.String(), "stalled") {
				t.Errorf("the idle phase stalled: %q", errOut.String())
			}
			if !strings.Contains(errOut.String(), "posted") {
				t.Errorf("stderr holds no progress line: %q", errOut.String())
			}
		})
	}
}

func TestBenchFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--events", "0"}, "--events"},
		{[]string{"--payload", "10"}, "--payload"},
		{[]string{"--store", "mysql"}, "--store"},
		{[]string{"--store", "postgres"}, "--database-url"},
		{[]string{"--webhooks", "0"}, "--webhooks"},
		{[]string{"--fanout", "0"}, "--fanout"},
		{[]string{"--webhooks", "100", "--fanout", "11"}, "--webhooks × --fanout (100 × 11) at most 1000"},
		{[]string{"--instances", "0"}, "--instances"},
		{[]string{"--instances", "2"}, "--instances 2 needs --store postgres"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := run(context.Background(), append([]string{"bench"}, tt.args...), noEnv, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestBenchPayload(t *testing.T) {
	tests := []struct {
		size, typ, phase int
		sent             int64
	}{
		{512, 0, phaseFull, 1763900000123456789},
		{minBenchPayload, 3, phaseIdle, 42},
		{4096, 17, phaseRaw, 1},
	}
	for _, tt := range tests {
		body := benchBody(nil, tt.typ, tt.phase, tt.sent, tt.size)
		var req struct {
			EventType string          `json:"event_type"`
			Payload   json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if got := len(req.Payload); got != tt.size {
			t.Errorf("payload is %d bytes, want %d: %s", got, tt.size, req.Payload)
		}
		if got, want := req.EventType, benchType(tt.typ); got != want {
			t.Errorf("event_type = %q, want %q", got, want)
		}
		// What the receiver gets is hookd's envelope around the payload.
		env := []byte(`{"type":"` + req.EventType + `","timestamp":"2026-11-23T12:00:00.000Z","data":` + string(req.Payload) + `}`)
		sent, phase, ok := parseBenchPayload(env)
		if !ok || sent != tt.sent || phase != tt.phase {
			t.Errorf("parseBenchPayload = %d, %d, %v; want %d, %d, true", sent, phase, ok, tt.sent, tt.phase)
		}
	}
	if _, _, ok := parseBenchPayload([]byte(`{"type":"x","data":{}}`)); ok {
		t.Error("parseBenchPayload accepted a body without a send time")
	}
}

func TestPercentiles(t *testing.T) {
	var v []float64
	for i := 100; i >= 1; i-- {
		v = append(v, float64(i))
	}
	got := percentiles(v)
	if want := (latencyMS{P50: 50, P95: 95, P99: 99, Max: 100}); got != want {
		t.Errorf("percentiles(1..100) = %+v, want %+v", got, want)
	}
	if got := percentiles(nil); got != (latencyMS{}) {
		t.Errorf("percentiles(nil) = %+v, want zeros", got)
	}
}
