package webhook

import (
	"reflect"
	"testing"
	"time"
)

func TestControlDecide(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	lease := 2 * time.Minute
	jobs := func(ids ...string) []Claimed {
		var cs []Claimed
		for _, id := range ids {
			cs = append(cs, Claimed{ID: id, Now: id[0] == '!'})
		}
		return cs
	}
	closed := Control{Active: true, Circuit: CircuitClosed}
	open := Control{Active: true, Circuit: CircuitOpen, CircuitUntil: now.Add(time.Second)}
	cooled := Control{Active: true, Circuit: CircuitOpen, CircuitUntil: now}
	probing := Control{Active: true, Circuit: CircuitHalfOpen, CircuitUntil: now.Add(time.Minute), Probe: "b"}
	for _, tc := range []struct {
		name string
		c    Control
		jobs []Claimed
		want Decision
	}{
		{"closed: all go", closed, jobs("a", "b"), Decision{Send: []string{"a", "b"}}},
		{"paused: parked, and the rest of its due backlog too", Control{Circuit: CircuitClosed}, jobs("a", "!b"),
			Decision{Send: []string{"!b"}, Park: []string{"a"}, ParkDue: true}},
		{"open: parked until it closes, operator retries go", open, jobs("a", "!r", "b"),
			Decision{Send: []string{"!r"}, Park: []string{"a", "b"}, ParkDue: true}},
		{"cool-down over: the first is the probe", cooled, jobs("a", "b", "c"),
			Decision{Send: []string{"a"}, Park: []string{"b", "c"}, ParkDue: true, Except: "a",
				Circuit: CircuitHalfOpen, CircuitUntil: now.Add(lease), Probe: "a"}},
		{"half-open: the named probe goes, the others park", probing, jobs("a", "b", "c"),
			Decision{Send: []string{"b"}, Park: []string{"a", "c"}, ParkDue: true, Except: "b"}},
		{"half-open: the probe's lease ran out, a new probe", Control{Active: true, Circuit: CircuitHalfOpen, CircuitUntil: now.Add(-time.Millisecond), Probe: "x"},
			jobs("c", "d"), Decision{Send: []string{"c"}, Park: []string{"d"}, ParkDue: true, Except: "c",
				Circuit: CircuitHalfOpen, CircuitUntil: now.Add(lease), Probe: "c"}},
		{"open with a stale probe name: it parks like the rest", Control{Active: true, Circuit: CircuitOpen, CircuitUntil: now.Add(time.Second), Probe: "a"},
			jobs("a"), Decision{Park: []string{"a"}, ParkDue: true}},
		{"ordered: only the head goes", Control{Active: true, Ordered: true, LineHead: "b", Circuit: CircuitClosed}, jobs("b", "c"),
			Decision{Send: []string{"b"}, Park: []string{"c"}}},
		{"ordered, head not claimed: none goes", Control{Active: true, Ordered: true, LineHead: "a", Circuit: CircuitClosed}, jobs("b", "c"),
			Decision{Park: []string{"b", "c"}}},
		{"ordered and cooled: the head is the probe", Control{Active: true, Ordered: true, LineHead: "b", Circuit: CircuitOpen, CircuitUntil: now}, jobs("b", "c"),
			Decision{Send: []string{"b"}, Park: []string{"c"}, ParkDue: true, Except: "b", Circuit: CircuitHalfOpen, CircuitUntil: now.Add(lease), Probe: "b"}},
		{"rate limit: the free slot is used, the next waits for its own", Control{Active: true, Circuit: CircuitClosed, RateLimit: 4}, jobs("a", "b", "c"),
			Decision{Send: []string{"a"}, Hold: []Held{{"b", now.Add(250 * time.Millisecond)}, {"c", now.Add(500 * time.Millisecond)}}, NextSlot: now.Add(250 * time.Millisecond)}},
		{"rate limit: a slot not come yet holds all, rounded up to the ms", Control{Active: true, Circuit: CircuitClosed, RateLimit: 3, NextSlot: now.Add(100*time.Millisecond + 500*time.Microsecond)},
			jobs("a"), Decision{Hold: []Held{{"a", now.Add(101 * time.Millisecond)}}}},
		{"rate limit: operator retries take no slot", Control{Active: true, Circuit: CircuitClosed, RateLimit: 1, NextSlot: now.Add(time.Second)}, jobs("!r"),
			Decision{Send: []string{"!r"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Decide(tc.jobs, now, lease); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decide =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}
