package webhook

import "time"

// Control is the delivery-control state of one webhook as its store row holds it: whether it
// is active, its breaker, its rate limit's next free slot and its ordered line. The store locks
// the row, reads it into a Control, lets Decide choose, and writes the Decision back.
type Control struct {
	Active       bool
	Ordered      bool
	LineHead     string    // ordered: the oldest open delivery, the only one that may go ("" none)
	Circuit      string    // CircuitClosed, CircuitOpen or CircuitHalfOpen
	CircuitUntil time.Time // open: end of the cool-down; half_open: end of the probe's lease
	Probe        string    // half_open: the delivery let go as the probe
	RateLimit    int       // deliveries per second, 0 for none
	NextSlot     time.Time // rate limited: the earliest time the next delivery may be sent
}

// Claimed is a delivery a claim picked for the webhook, in delivery id (event) order.
type Claimed struct {
	ID  string
	Now bool // asked for by an operator (retry, test event): sent at once, past every control
}

// Decision says what becomes of each claimed delivery and of the webhook's state. A delivery
// is sent, parked (it waits, with no due time, for the line to move, the webhook to be
// reactivated or its breaker to close) or held until a time (its rate-limit slot).
type Decision struct {
	Send []string
	Park []string
	Hold []Held

	// ParkDue asks the store to park the webhook's other due deliveries too (all but
	// Except), so that the claims that follow do not pick them one batch at a time.
	ParkDue bool
	Except  string

	Circuit      string    // the breaker's new state, "" when unchanged
	CircuitUntil time.Time // with Circuit: the end of the probe's lease
	Probe        string    // with Circuit: the probe
	NextSlot     time.Time // the rate limit's new next slot, zero when unchanged
}

// Held is a delivery held until At.
type Held struct {
	ID string
	At time.Time
}

// Decide chooses, for the deliveries a claim picked at now, which go, in this order of rules:
//
//   - operator retries and test events go at once;
//   - a paused webhook's deliveries are parked;
//   - an ordered webhook sends only the head of its line and parks the rest;
//   - an open breaker parks them until it closes; once its cool-down is over (or the last
//     probe's lease ran out) one goes as the probe (half_open for one lease; the store may
//     have named it already, releasing it for that) and the rest are parked: a success closes
//     the breaker and releases them, a failure reopens it and they stay where they are;
//   - a rate limit sends those whose slot has come and holds the others until their own.
func (c Control) Decide(jobs []Claimed, now time.Time, lease time.Duration) Decision {
	var d Decision
	var rest []string
	for _, j := range jobs {
		if j.Now {
			d.Send = append(d.Send, j.ID)
		} else {
			rest = append(rest, j.ID)
		}
	}
	if !c.Active {
		d.Park, d.ParkDue = rest, true
		return d
	}
	if c.Ordered {
		var line []string
		for _, id := range rest {
			if id == c.LineHead {
				line = append(line, id)
			} else {
				d.Park = append(d.Park, id)
			}
		}
		rest = line
	}
	switch {
	case len(rest) == 0 || c.Circuit == CircuitClosed:
	case c.CircuitUntil.After(now): // open, or half_open with a probe let go
		var probe []string
		for _, id := range rest {
			if c.Circuit == CircuitHalfOpen && id == c.Probe {
				probe = append(probe, id)
			} else {
				d.Park = append(d.Park, id)
			}
		}
		if c.Circuit == CircuitHalfOpen {
			d.Except = c.Probe
		}
		d.ParkDue, rest = true, probe
	default: // the cool-down (or the last probe's lease) is over: one probe
		d.Circuit, d.CircuitUntil, d.Probe = CircuitHalfOpen, now.Add(lease), rest[0]
		d.Park, d.ParkDue, d.Except = append(d.Park, rest[1:]...), true, rest[0]
		rest = rest[:1]
	}
	if c.RateLimit > 0 && len(rest) > 0 {
		interval := time.Second / time.Duration(c.RateLimit)
		slot := c.NextSlot
		if slot.Before(now) {
			slot = now
		}
		var waiting time.Duration
		for _, id := range rest {
			if !slot.After(now) {
				d.Send = append(d.Send, id)
				slot = slot.Add(interval)
				continue
			}
			// Not yet: due at its own future slot (rounded up to the millisecond), not reserved.
			at := slot.Add(waiting * interval)
			d.Hold = append(d.Hold, Held{ID: id, At: at.Add(time.Millisecond - time.Nanosecond).Truncate(time.Millisecond)})
			waiting++
		}
		if !slot.Equal(c.NextSlot) {
			d.NextSlot = slot
		}
		rest = nil
	}
	d.Send = append(d.Send, rest...)
	return d
}
