package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The bench's phases; the payload carries its phase so the receiver files each delivery.
const (
	phaseRaw = iota
	phaseWarm
	phaseFull
	phasePaced
	phaseIdle
	phaseCount
)

// minBenchPayload fits the payload's fixed fields: {"t":<19 digits>,"p":<digit>,"pad":""}.
const minBenchPayload = 48

func benchType(i int) string { return "bench." + strconv.Itoa(i) }

// benchBody appends an event request whose payload is exactly size bytes and carries the
// time it was posted (Unix nanoseconds, fixed width) and its phase.
func benchBody(dst []byte, typ, phase int, sent int64, size int) []byte {
	dst = append(dst, `{"event_type":"bench.`...)
	dst = strconv.AppendInt(dst, int64(typ), 10)
	dst = append(dst, `","payload":{"t":`...)
	ts := strconv.AppendInt(make([]byte, 0, 20), sent, 10)
	for range 19 - len(ts) {
		dst = append(dst, ' ') // fixed width; leading zeros are not JSON
	}
	dst = append(dst, ts...)
	dst = append(dst, `,"p":`...)
	p := strconv.Itoa(phase)
	dst = append(dst, p...)
	dst = append(dst, `,"pad":"`...)
	// The fixed parts take 39 bytes and the phase's digits; the pad makes up the rest.
	for range size - 39 - len(p) {
		dst = append(dst, 'x')
	}
	return append(dst, `"}}`...)
}

// parseBenchPayload finds the send time and phase in a delivered envelope (or a raw body).
func parseBenchPayload(body []byte) (sent int64, phase int, ok bool) {
	i := bytes.Index(body, []byte(`"t":`))
	j := bytes.Index(body, []byte(`"p":`))
	if i < 0 || j < 0 {
		return 0, 0, false
	}
	sent, ok1 := leadingInt(body[i+4:])
	p, ok2 := leadingInt(body[j+4:])
	return sent, int(p), ok1 && ok2 && p >= 0 && p < phaseCount
}

func leadingInt(b []byte) (int64, bool) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	var n int64
	digits := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	return n, digits > 0
}

// loadGen posts events (or, for the ceiling, the same bodies to the receiver).
type loadGen struct {
	client   *http.Client
	conc     int
	payload  int
	webhooks int // event types, bench.0 to bench.webhooks-1
	fanout   int // webhooks per event type
	auth     http.Header
	seq      atomic.Int64 // requests posted, over every phase: picks each one's target and type
}

func newLoadGen(conc, payload, webhooks, fanout int) *loadGen {
	t := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &loadGen{client: &http.Client{Transport: t, Timeout: time.Minute}, conc: conc, payload: payload, webhooks: webhooks, fanout: fanout}
}

// pick spreads requests round-robin over the targets (hookd instances), and each target's
// requests round-robin over the event types: target k%len, type (k/len)%webhooks.
func (g *loadGen) pick(ntargets int) (target, typ int) {
	k := int(g.seq.Add(1) - 1)
	return k % ntargets, k / ntargets % g.webhooks
}

func (g *loadGen) close() { g.client.CloseIdleConnections() }

// loadResult is what one phase's posting did.
type loadResult struct {
	start, lastOK time.Time
	ok, failed    int
	okPerTarget   []int // ok by target, in the order the phase was given them
	firstErr      error
	cpuStart      time.Duration
	cpu           time.Duration // CPU of the process while posting
}

func (r *loadResult) merge(o *loadResult) {
	r.ok += o.ok
	r.failed += o.failed
	for i, n := range o.okPerTarget {
		r.okPerTarget[i] += n
	}
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	if o.lastOK.After(r.lastOK) {
		r.lastOK = o.lastOK
	}
}

type postError struct {
	status int
	body   string
}

func (e *postError) Error() string { return "HTTP " + strconv.Itoa(e.status) + ": " + e.body }

// post sends one body; any 2xx counts (hookd answers 202 only once the event is committed).
func (g *loadGen) post(ctx context.Context, url string, hdr http.Header, buf *[]byte, typ, phase int) error {
	*buf = benchBody((*buf)[:0], typ, phase, time.Now().UnixNano(), g.payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(*buf))
	if err != nil {
		return err
	}
	req.Header = maps.Clone(hdr)
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &postError{resp.StatusCode, string(msg)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// closed posts n bodies, spread over urls, from the generator's clients, each sending its
// next as soon as the last is answered.
func (g *loadGen) closed(ctx context.Context, urls []string, hdr http.Header, phase, n int, prog *progress) loadResult {
	return g.closedN(ctx, urls, hdr, phase, n, g.conc, prog)
}

func (g *loadGen) closedN(ctx context.Context, urls []string, hdr http.Header, phase, n, conc int, prog *progress) loadResult {
	if hdr == nil {
		hdr = http.Header{"Content-Type": {"application/json"}}
	}
	var next atomic.Int64
	var mu sync.Mutex
	res := loadResult{cpuStart: cpuTime(), start: time.Now(), okPerTarget: make([]int, len(urls))}
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			mine := loadResult{okPerTarget: make([]int, len(urls))}
			buf := make([]byte, 0, g.payload+128)
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					break
				}
				target, typ := g.pick(len(urls))
				g.record(&mine, target, g.post(ctx, urls[target], hdr, &buf, typ, phase), prog)
			}
			mu.Lock()
			res.merge(&mine)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.cpu = cpuTime() - res.cpuStart
	return res
}

func (g *loadGen) record(r *loadResult, target int, err error, prog *progress) {
	prog.addPosted(1)
	if err != nil {
		r.failed++
		if r.firstErr == nil {
			r.firstErr = err
		}
		return
	}
	r.ok++
	r.okPerTarget[target]++
	r.lastOK = time.Now()
	prog.addAccepted(1)
}

// paced posts n events, spread over urls, at rate per second, on schedule whatever the
// answers take (an open loop), from up to the generator's concurrency of clients.
func (g *loadGen) paced(ctx context.Context, urls []string, phase, n, rate int, prog *progress) loadResult {
	res := loadResult{cpuStart: cpuTime(), start: time.Now(), okPerTarget: make([]int, len(urls))}
	jobs := make(chan struct{}, g.conc)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range g.conc {
		wg.Go(func() {
			mine := loadResult{okPerTarget: make([]int, len(urls))}
			buf := make([]byte, 0, g.payload+128)
			for range jobs {
				target, typ := g.pick(len(urls))
				g.record(&mine, target, g.post(ctx, urls[target], g.auth, &buf, typ, phase), prog)
			}
			mu.Lock()
			res.merge(&mine)
			mu.Unlock()
		})
	}
	interval := time.Second / time.Duration(rate)
	for i := range n {
		if d := time.Until(res.start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	res.cpu = cpuTime() - res.cpuStart
	return res
}
