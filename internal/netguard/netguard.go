// Package netguard is the SSRF guard for outgoing webhook deliveries.
//
// A [Guard] refuses destination addresses in special-purpose (non-public)
// ranges such as loopback, private networks, link-local and cloud metadata,
// unless the operator explicitly allows them with --allow-network.
//
// The check is meant to run at connect time via [Guard.Control] as a
// net.Dialer Control hook. There the address is the already-resolved IP, so a
// DNS name that resolves to a public IP for validation and a private IP for
// the actual connection (DNS rebinding) cannot slip through.
package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// Guard decides which destination addresses deliveries may reach.
// The zero value blocks every non-public range. A Guard is safe for
// concurrent use.
type Guard struct {
	allow []netip.Prefix
}

// New returns a guard that blocks every non-public range except those in
// allow. Prefixes are masked, IPv4-mapped prefixes (::ffff:a.b.c.d/n, n>=96)
// are converted to IPv4, and invalid prefixes are ignored.
func New(allow []netip.Prefix) *Guard {
	g := &Guard{allow: make([]netip.Prefix, 0, len(allow))}
	for _, p := range allow {
		if p = canonicalPrefix(p); p.IsValid() {
			g.allow = append(g.allow, p)
		}
	}
	return g
}

// canonicalPrefix masks p and turns an IPv4-mapped IPv6 prefix into the
// IPv4 prefix it covers, since addresses are unmapped before matching.
func canonicalPrefix(p netip.Prefix) netip.Prefix {
	if !p.IsValid() {
		return netip.Prefix{}
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// ParseAllow parses CIDR strings like "127.0.0.0/8" or a bare IP ("::1"
// becomes ::1/128, "10.0.0.1" becomes 10.0.0.1/32). Surrounding spaces are
// ignored and host bits are masked off ("10.1.2.3/8" is 10.0.0.0/8). The
// error names the bad value.
func ParseAllow(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, raw := range cidrs {
		s := strings.TrimSpace(raw)
		var p netip.Prefix
		if strings.Contains(s, "/") {
			var err error
			if p, err = netip.ParsePrefix(s); err != nil {
				return nil, fmt.Errorf("netguard: invalid --allow-network value %q: want a CIDR like 10.0.0.0/8 or an IP: %w", raw, err)
			}
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("netguard: invalid --allow-network value %q: want a CIDR like 10.0.0.0/8 or an IP: %w", raw, err)
			}
			if a.Zone() != "" {
				return nil, fmt.Errorf("netguard: invalid --allow-network value %q: IPv6 zones are not allowed", raw)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, canonicalPrefix(p))
	}
	return out, nil
}

// BlockedError says which address was refused, which range it falls in
// (e.g. "loopback 127.0.0.0/8"), and which CIDR to pass to
// --allow-network to allow it.
type BlockedError struct {
	Addr  netip.Addr   // the refused address, as given
	Range string       // readable range name and prefix, e.g. "loopback 127.0.0.0/8"
	CIDR  netip.Prefix // the range to allow; invalid if none applies
}

func (e *BlockedError) Error() string {
	addr := "invalid address"
	if e.Addr.IsValid() {
		addr = e.Addr.String()
	}
	if !e.CIDR.IsValid() {
		return fmt.Sprintf("netguard: destination %s is blocked (%s)", addr, e.Range)
	}
	return fmt.Sprintf("netguard: destination %s is blocked (%s); to allow it, run with --allow-network %s",
		addr, e.Range, e.CIDR)
}

// Check reports why addr may not be dialed, or nil. The error is a
// *BlockedError. IPv4-mapped addresses are unmapped and IPv6 zones ignored
// before both the allowlist and the range check.
func (g *Guard) Check(addr netip.Addr) error {
	a := addr.WithZone("").Unmap()
	if !a.IsValid() {
		return &BlockedError{Addr: addr, Range: "invalid address"}
	}
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	name, prefix, blocked := Classify(a)
	if !blocked {
		return nil
	}
	return &BlockedError{Addr: addr, Range: name + " " + prefix.String(), CIDR: prefix}
}

// Control is for net.Dialer.Control: it runs after DNS resolution, at
// connect time, with address "ip:port", so DNS rebinding cannot bypass it.
// It returns a *BlockedError for a blocked IP, and a plain error (failing
// closed) for a non-IP network or an address it cannot parse. The RawConn
// is not used and may be nil.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") && !strings.HasPrefix(network, "udp") && !strings.HasPrefix(network, "ip") {
		return fmt.Errorf("netguard: refusing to dial network %q", network)
	}
	host := address
	if h, _, err := net.SplitHostPort(address); err == nil {
		host = h
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("netguard: refusing to dial unparseable address %q: %w", address, err)
	}
	return g.Check(addr)
}

// special is one special-purpose range.
type special struct {
	name   string
	prefix netip.Prefix
}

func r(name, cidr string) special {
	return special{name: name, prefix: netip.MustParsePrefix(cidr)}
}

// specials4 lists the blocked IPv4 ranges, more specific entries first.
var specials4 = []special{
	r("cloud metadata", "169.254.169.254/32"),
	r("cloud metadata", "100.100.100.200/32"), // Alibaba Cloud
	r("unspecified", "0.0.0.0/8"),
	r("loopback", "127.0.0.0/8"),
	r("private", "10.0.0.0/8"),
	r("private", "172.16.0.0/12"),
	r("private", "192.168.0.0/16"),
	r("link-local", "169.254.0.0/16"),
	r("CGNAT shared address space", "100.64.0.0/10"),
	r("multicast", "224.0.0.0/4"),
	r("reserved/broadcast", "240.0.0.0/4"),
	r("benchmarking", "198.18.0.0/15"),
	r("IETF protocol assignments", "192.0.0.0/24"),
	r("documentation", "192.0.2.0/24"),
	r("documentation", "198.51.100.0/24"),
	r("documentation", "203.0.113.0/24"),
}

// specials6 lists the blocked IPv6 ranges, more specific entries first.
// IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
// are handled in Classify because they embed an IPv4 address.
var specials6 = []special{
	r("cloud metadata", "fd00:ec2::254/128"), // AWS
	r("unspecified", "::/128"),
	r("loopback", "::1/128"),
	r("local-use NAT64", "64:ff9b:1::/48"),
	r("private (unique local)", "fc00::/7"),
	r("link-local", "fe80::/10"),
	r("multicast", "ff00::/8"),
	r("Teredo", "2001::/32"),
	r("benchmarking", "2001:2::/48"),
	r("documentation", "2001:db8::/32"),
	r("documentation", "3fff::/20"),
	// Everything outside global unicast 2000::/3 is not publicly routable
	// (IPv4-compatible ::/96, discard 100::/64, ...).
	r("reserved IPv6", "::/3"),
	r("reserved IPv6", "4000::/2"),
	r("reserved IPv6", "8000::/1"),
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// Classify returns the name and prefix of the special-purpose range addr is
// in, ok=false for a public address. IPv4-mapped addresses are classified by
// the embedded IPv4 address. For NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
// addresses embedding a blocked IPv4 address, the name is prefixed with
// "NAT64 of " or "6to4 of " and the prefix is the translated IPv4 range
// (e.g. 64:ff9b::7f00:0/104 for loopback). Other NAT64 addresses are still
// blocked ("NAT64", 64:ff9b::/96); other 6to4 addresses are public. The
// invalid Addr is reported as "invalid address" with ok=true.
func Classify(addr netip.Addr) (name string, prefix netip.Prefix, ok bool) {
	a := addr.WithZone("").Unmap()
	switch {
	case !a.IsValid():
		return "invalid address", netip.Prefix{}, true
	case a.Is4():
		return lookup(specials4, a)
	case nat64Prefix.Contains(a):
		b := a.As16()
		if n, p, ok := lookup(specials4, netip.AddrFrom4([4]byte(b[12:16]))); ok {
			return "NAT64 of " + n, embed(nat64Prefix, 96, p), true
		}
		return "NAT64", nat64Prefix, true
	case sixToFour.Contains(a):
		b := a.As16()
		if n, p, ok := lookup(specials4, netip.AddrFrom4([4]byte(b[2:6]))); ok {
			return "6to4 of " + n, embed(sixToFour, 16, p), true
		}
		return "", netip.Prefix{}, false
	default:
		return lookup(specials6, a)
	}
}

func lookup(table []special, a netip.Addr) (string, netip.Prefix, bool) {
	for _, s := range table {
		if s.prefix.Contains(a) {
			return s.name, s.prefix, true
		}
	}
	return "", netip.Prefix{}, false
}

// embed returns the IPv6 prefix that carries the IPv4 prefix v4 at bit
// offset off (a multiple of 8) inside outer, e.g. 127.0.0.0/8 in
// 64:ff9b::/96 at 96 is 64:ff9b::7f00:0/104.
func embed(outer netip.Prefix, off int, v4 netip.Prefix) netip.Prefix {
	b := outer.Addr().As16()
	v := v4.Addr().As4()
	copy(b[off/8:], v[:])
	return netip.PrefixFrom(netip.AddrFrom16(b), off+v4.Bits()).Masked()
}

// NormalizeHost turns a host (as in a URL, without port) that is an IP
// literal into a canonical address. Besides plain dotted-quad IPv4 and IPv6
// it accepts the obscure IPv4 forms that inet_aton and URL parsers accept:
// decimal "2130706433", octal "0177.0.0.1", hex "0x7f.1", short forms
// "127.1", and a trailing dot "127.0.0.1."; bracketed IPv6 "[::1]"; and
// IPv4-mapped IPv6 "[::ffff:127.0.0.1]", which is unmapped to 127.0.0.1.
// It returns ok=false if host is not an IP literal in any of these forms
// (a DNS name).
func NormalizeHost(host string) (addr netip.Addr, ok bool) {
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	return parseIPv4(host)
}

// parseIPv4 parses the inet_aton / WHATWG URL forms of an IPv4 address:
// one to four dot-separated parts, each decimal, octal (leading 0) or hex
// (leading 0x); the last part fills all remaining bytes.
func parseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // one trailing dot, as in "127.0.0.1."
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint32
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 0xff {
				return netip.Addr{}, false
			}
			v |= uint32(n) << (8 * (3 - i))
			continue
		}
		rest := 8 * (5 - len(parts)) // bits left for the last part
		if rest < 32 && n >= 1<<rest {
			return netip.Addr{}, false
		}
		v |= uint32(n)
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseIPv4Part(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	if p == "" {
		return 0, false
	}
	// With an explicit base, ParseUint accepts neither signs, prefixes nor
	// underscores, only digits of that base.
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}
