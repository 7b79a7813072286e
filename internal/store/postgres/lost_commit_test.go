package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// commitCutter is a TCP proxy to PostgreSQL that, once armed, lets the next COMMIT reach the
// server and then cuts the connection before the answer comes back: the transaction is
// committed and its client is told the connection failed.
type commitCutter struct {
	ln    net.Listener
	armed atomic.Bool
	cuts  atomic.Int64
}

func newCommitCutter(t *testing.T, target string) *commitCutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitCutter{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go p.pipe(client, server)
		}
	}()
	return p
}

func (p *commitCutter) pipe(client, server net.Conn) {
	var mute atomic.Bool // the server's answers no longer reach the client
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !mute.Load() {
				if _, werr := client.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			// A simple-protocol query whose text is "commit" (how the driver ends a transaction).
			cut := bytes.Contains(bytes.ToLower(chunk), []byte("commit\x00")) && p.armed.CompareAndSwap(true, false)
			if cut {
				mute.Store(true)
			}
			if _, werr := server.Write(chunk); werr != nil {
				client.Close()
				return
			}
			if cut {
				time.Sleep(200 * time.Millisecond) // the server commits
				p.cuts.Add(1)
				client.Close()
				server.Close()
				return
			}
		}
		if err != nil {
			server.Close()
			return
		}
	}
}

// A claim, or an event commit that hands deliveries off, whose COMMIT reached the server but
// whose answer was lost took its deliveries all the same: the next claim gives them back at
// once, so they wait for the connection, not for their two-minute leases to end.
func TestLostCommitLeasesComeBack(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	f.webhook(t, func(*webhook.Webhook) {})
	u, err := url.Parse(f.url)
	if err != nil {
		t.Fatal(err)
	}
	cutter := newCommitCutter(t, u.Host)
	u.Host = cutter.ln.Addr().String()
	f.url = u.String()
	s, app, now := f.open(t), f.app, f.now // through the cutter
	const lease = 2 * time.Minute
	event := func(id string) []store.NewEvent {
		return []store.NewEvent{{ID: id, AppID: app.ID, Type: "a", Payload: json.RawMessage(`{}`)}}
	}
	handoff := func(*webhook.Webhook) (time.Time, bool) { return now.Add(lease), true }

	// An event commit that hands its delivery to a worker.
	handed := webhook.NewID(webhook.PrefixEvent, now)
	cutter.armed.Store(true)
	if _, err := s.CreateEvents(ctx, event(handed), now, handoff); err == nil || cutter.cuts.Load() != 1 {
		t.Fatalf("event commit through the cut = %v, %d cuts; want an error from one cut", err, cutter.cuts.Load())
	}
	if _, err := s.GetEvent(ctx, app.ID, handed); err != nil {
		t.Fatalf("the event was not committed (%v): this test would see nothing", err)
	}
	jobs, err := s.Claim(ctx, now, lease, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Event.ID != handed {
		t.Fatalf("claim after the lost event commit = %d jobs, %v; want its handed-off delivery", len(jobs), err)
	}

	// A claim.
	claimed := webhook.NewID(webhook.PrefixEvent, now)
	if _, err := s.CreateEvents(ctx, event(claimed), now, nil); err != nil {
		t.Fatal(err)
	}
	cutter.armed.Store(true)
	if got, err := s.Claim(ctx, now, lease, 10); err == nil || cutter.cuts.Load() != 2 {
		t.Fatalf("claim through the cut = %d jobs, %v, %d cuts; want an error from a second cut", len(got), err, cutter.cuts.Load())
	}
	jobs, err = s.Claim(ctx, now, lease, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Event.ID != claimed {
		t.Fatalf("claim after the lost claim = %d jobs, %v; want the delivery it took", len(jobs), err)
	}
}
