package webhook

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// ID prefixes, one per noun.
const (
	PrefixApp      = "app_"
	PrefixKey      = "key_"
	PrefixWebhook  = "wh_"
	PrefixEvent    = "msg_"
	PrefixDelivery = "dlv_"
	PrefixAttempt  = "atmpt_"
	PrefixJob      = "job_"
	PrefixPortal   = "ps_"
)

// crockford is the ULID alphabet: time-sortable when compared as strings.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var idMu sync.Mutex
var lastMS uint64
var lastRand [10]byte

// maxIDLag is how far behind the last id's time an id may be asked for and still be made
// after it: a caller naming a time long past (a test, an import) gets ids of the time it
// names, so that an id tells when its row was made (FirstID). A clock stepped back by more
// than this on a running server would make ids that sort before those already made, which an
// ordered webhook's line, read by id from its head on, would leave behind: an hour keeps that
// out of reach of any ordinary clock correction.
const maxIDLag = time.Hour

// NewID returns prefix followed by a 26-character ULID. IDs made by one
// process are strictly increasing, even within one millisecond, unless now is more
// than maxIDLag before the time of the last one.
func NewID(prefix string, now time.Time) string {
	ms := uint64(max(now.UnixMilli(), 0))
	idMu.Lock()
	if ms <= lastMS && ms+uint64(maxIDLag.Milliseconds()) >= lastMS {
		ms = lastMS
		incr(&lastRand)
	} else {
		lastMS = ms
		_, _ = rand.Read(lastRand[:])
		lastRand[0] &= 0x7f // leave room to increment within a millisecond
	}
	r := lastRand
	idMu.Unlock()

	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], ms<<16)
	copy(b[6:], r[:])
	var out [26]byte
	encodeULID(&out, &b)
	return prefix + string(out[:])
}

// FirstID returns the smallest id with prefix made at t: every id NewID made before t sorts
// before it, every one made at t or later at or after it. Retention reads the log by id up to
// it, so that each batch costs what the batch costs, whatever the size of the log.
func FirstID(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(max(t.UnixMilli(), 0))<<16)
	var out [26]byte
	encodeULID(&out, &b)
	return prefix + string(out[:])
}

// IDTime returns the millisecond id, which begins with prefix, was made at: the time FirstID
// was given for it, or NewID.
func IDTime(prefix, id string) (time.Time, bool) {
	body, ok := strings.CutPrefix(id, prefix)
	if !ok || len(body) < 10 || body[0] > '7' {
		return time.Time{}, false
	}
	var ms int64
	for i := range 10 {
		v := strings.IndexByte(crockford, body[i])
		if v < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | int64(v)
	}
	return time.UnixMilli(ms).UTC(), true
}

func incr(r *[10]byte) {
	for i := len(r) - 1; i >= 0; i-- {
		r[i]++
		if r[i] != 0 {
			return
		}
	}
}

func encodeULID(dst *[26]byte, id *[16]byte) {
	// 128 bits → 26 base32 chars (the first carries 3 bits).
	var hi, lo uint64
	hi = binary.BigEndian.Uint64(id[0:8])
	lo = binary.BigEndian.Uint64(id[8:16])
	for i := 25; i >= 0; i-- {
		dst[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
}

// ValidID reports whether s is prefix followed by a well-formed ULID body.
func ValidID(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	if !ok || len(body) != 26 || body[0] > '7' {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(crockford, body[i]) < 0 {
			return false
		}
	}
	return true
}

// ValidIDFormat is the lenient check for ids in request paths: the prefix and 1–64 letters
// or digits. A well-formed id that names nothing is a 404; anything else is a 400.
func ValidIDFormat(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	if !ok || len(body) == 0 || len(body) > 64 {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
