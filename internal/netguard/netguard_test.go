package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// None of these tests open a connection to anything but 127.0.0.1.

func TestClassify(t *testing.T) {
	tests := []struct {
		addr   string
		name   string // "" means public
		prefix string
	}{
		// unspecified
		{"0.0.0.0", "unspecified", "0.0.0.0/8"},
		{"0.255.255.255", "unspecified", "0.0.0.0/8"},
		{"::", "unspecified", "::/128"},
		// loopback
		{"127.0.0.1", "loopback", "127.0.0.0/8"},
		{"127.0.0.0", "loopback", "127.0.0.0/8"},
		{"127.255.255.255", "loopback", "127.0.0.0/8"},
		{"::1", "loopback", "::1/128"},
		// private
		{"10.1.2.3", "private", "10.0.0.0/8"},
		{"10.255.255.255", "private", "10.0.0.0/8"},
		{"172.16.0.0", "private", "172.16.0.0/12"},
		{"172.31.255.255", "private", "172.16.0.0/12"},
		{"192.168.1.1", "private", "192.168.0.0/16"},
		{"192.168.255.255", "private", "192.168.0.0/16"},
		{"fc00::", "private (unique local)", "fc00::/7"},
		{"fd12:3456::1", "private (unique local)", "fc00::/7"},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private (unique local)", "fc00::/7"},
		// link-local and cloud metadata
		{"169.254.0.0", "link-local", "169.254.0.0/16"},
		{"169.254.1.1", "link-local", "169.254.0.0/16"},
		{"169.254.255.255", "link-local", "169.254.0.0/16"},
		{"169.254.169.254", "cloud metadata", "169.254.169.254/32"},
		{"169.254.169.253", "link-local", "169.254.0.0/16"},
		{"100.100.100.200", "cloud metadata", "100.100.100.200/32"},
		{"fd00:ec2::254", "cloud metadata", "fd00:ec2::254/128"},
		{"fe80::", "link-local", "fe80::/10"},
		{"fe80::1%eth0", "link-local", "fe80::/10"},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local", "fe80::/10"},
		// CGNAT
		{"100.64.0.0", "CGNAT shared address space", "100.64.0.0/10"},
		{"100.100.1.1", "CGNAT shared address space", "100.64.0.0/10"},
		{"100.127.255.255", "CGNAT shared address space", "100.64.0.0/10"},
		// multicast
		{"224.0.0.0", "multicast", "224.0.0.0/4"},
		{"224.0.0.251", "multicast", "224.0.0.0/4"},
		{"239.255.255.255", "multicast", "224.0.0.0/4"},
		{"ff00::", "multicast", "ff00::/8"},
		{"ff02::1", "multicast", "ff00::/8"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast", "ff00::/8"},
		// broadcast/reserved
		{"240.0.0.0", "reserved/broadcast", "240.0.0.0/4"},
		{"250.1.2.3", "reserved/broadcast", "240.0.0.0/4"},
		{"255.255.255.255", "reserved/broadcast", "240.0.0.0/4"},
		// benchmarking
		{"198.18.0.0", "benchmarking", "198.18.0.0/15"},
		{"198.18.5.5", "benchmarking", "198.18.0.0/15"},
		{"198.19.255.255", "benchmarking", "198.18.0.0/15"},
		{"2001:2::1", "benchmarking", "2001:2::/48"},
		// IETF protocol assignments
		{"192.0.0.0", "IETF protocol assignments", "192.0.0.0/24"},
		{"192.0.0.8", "IETF protocol assignments", "192.0.0.0/24"},
		{"192.0.0.255", "IETF protocol assignments", "192.0.0.0/24"},
		// documentation
		{"192.0.2.0", "documentation", "192.0.2.0/24"},
		{"192.0.2.1", "documentation", "192.0.2.0/24"},
		{"192.0.2.255", "documentation", "192.0.2.0/24"},
		{"198.51.100.0", "documentation", "198.51.100.0/24"},
		{"198.51.100.7", "documentation", "198.51.100.0/24"},
		{"198.51.100.255", "documentation", "198.51.100.0/24"},
		{"203.0.113.0", "documentation", "203.0.113.0/24"},
		{"203.0.113.9", "documentation", "203.0.113.0/24"},
		{"203.0.113.255", "documentation", "203.0.113.0/24"},
		{"2001:db8::", "documentation", "2001:db8::/32"},
		{"2001:db8::1", "documentation", "2001:db8::/32"},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation", "2001:db8::/32"},
		{"3fff::1", "documentation", "3fff::/20"},
		{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation", "3fff::/20"},
		// IPv4-mapped: classified by the embedded IPv4 address
		{"::ffff:127.0.0.1", "loopback", "127.0.0.0/8"},
		{"::ffff:0.0.0.0", "unspecified", "0.0.0.0/8"},
		{"::ffff:10.0.0.1", "private", "10.0.0.0/8"},
		{"::ffff:169.254.169.254", "cloud metadata", "169.254.169.254/32"},
		{"::ffff:255.255.255.255", "reserved/broadcast", "240.0.0.0/4"},
		{"::ffff:8.8.8.8", "", ""},
		// NAT64 64:ff9b::/96: embedded IPv4 classified, range blocked anyway
		{"64:ff9b::7f00:1", "NAT64 of loopback", "64:ff9b::7f00:0/104"},
		{"64:ff9b::a9fe:a9fe", "NAT64 of cloud metadata", "64:ff9b::a9fe:a9fe/128"},
		{"64:ff9b::", "NAT64 of unspecified", "64:ff9b::/104"},
		{"64:ff9b::ffff:ffff", "NAT64 of reserved/broadcast", "64:ff9b::f000:0/100"},
		{"64:ff9b::808:808", "NAT64", "64:ff9b::/96"},
		{"64:ff9b::1.1.1.1", "NAT64", "64:ff9b::/96"},
		{"64:ff9b:1::", "local-use NAT64", "64:ff9b:1::/48"},
		{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64", "64:ff9b:1::/48"},
		// 6to4 2002::/16: blocked only if the embedded IPv4 is blocked
		{"2002:7f00:1::1", "6to4 of loopback", "2002:7f00::/24"},
		{"2002:a00:1::", "6to4 of private", "2002:a00::/24"},
		{"2002::", "6to4 of unspecified", "2002::/24"},
		{"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4 of reserved/broadcast", "2002:f000::/20"},
		{"2002:808:808::1", "", ""},
		// Teredo
		{"2001::", "Teredo", "2001::/32"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo", "2001::/32"},
		{"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "Teredo", "2001::/32"},
		// IPv6 outside global unicast 2000::/3
		{"::2", "reserved IPv6", "::/3"},
		{"::7f00:1", "reserved IPv6", "::/3"}, // deprecated IPv4-compatible
		{"100::1", "reserved IPv6", "::/3"},   // discard-only
		{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved IPv6", "::/3"},
		{"4000::", "reserved IPv6", "4000::/2"},
		{"fe00::", "reserved IPv6", "8000::/1"},
		// public, including the neighbours of the ranges above
		{"8.8.8.8", "", ""},
		{"1.1.1.1", "", ""},
		{"1.0.0.0", "", ""},
		{"9.255.255.255", "", ""},
		{"11.0.0.0", "", ""},
		{"100.63.255.255", "", ""},
		{"100.128.0.0", "", ""},
		{"126.255.255.255", "", ""},
		{"128.0.0.0", "", ""},
		{"169.253.255.255", "", ""},
		{"169.255.0.0", "", ""},
		{"172.15.255.255", "", ""},
		{"172.32.0.0", "", ""},
		{"191.255.255.255", "", ""},
		{"192.0.1.0", "", ""},
		{"192.0.3.0", "", ""},
		{"192.167.255.255", "", ""},
		{"192.169.0.0", "", ""},
		{"198.17.255.255", "", ""},
		{"198.20.0.0", "", ""},
		{"198.51.99.255", "", ""},
		{"198.51.101.0", "", ""},
		{"203.0.112.255", "", ""},
		{"203.0.114.0", "", ""},
		{"223.255.255.255", "", ""},
		{"2606:4700::1111", "", ""},
		{"2001:4860:4860::8888", "", ""},
		{"2000::", "", ""},
		{"2001:1::", "", ""},
		{"2001:2:1::", "", ""},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
		{"2001:db9::", "", ""},
		{"2003::", "", ""},
		{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
		{"3fff:1000::", "", ""},
		{"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
	}
	for _, tt := range tests {
		addr := netip.MustParseAddr(tt.addr)
		name, prefix, ok := Classify(addr)
		if tt.name == "" {
			if ok {
				t.Errorf("Classify(%s) = %q, %s, true; want public (ok=false)", tt.addr, name, prefix)
			}
			if err := New(nil).Check(addr); err != nil {
				t.Errorf("Check(%s) = %v; want nil", tt.addr, err)
			}
			continue
		}
		want := netip.MustParsePrefix(tt.prefix)
		if !ok || name != tt.name || prefix != want {
			t.Errorf("Classify(%s) = %q, %s, %v; want %q, %s, true", tt.addr, name, prefix, ok, tt.name, want)
		}
		var be *BlockedError
		if err := New(nil).Check(addr); !errors.As(err, &be) {
			t.Errorf("Check(%s) = %v; want *BlockedError", tt.addr, err)
		} else if be.CIDR != want || be.Range != tt.name+" "+tt.prefix || be.Addr != addr {
			t.Errorf("Check(%s) = %+v; want Addr %s, Range %q, CIDR %s", tt.addr, *be, addr, tt.name+" "+tt.prefix, want)
		}
	}
}

func TestClassifyInvalid(t *testing.T) {
	if name, _, ok := Classify(netip.Addr{}); !ok {
		t.Errorf("Classify(invalid) = %q, ok=false; want ok=true", name)
	}
	var be *BlockedError
	if err := New(nil).Check(netip.Addr{}); !errors.As(err, &be) {
		t.Errorf("Check(invalid) = %v; want *BlockedError", err)
	} else if strings.Contains(err.Error(), "--allow-network") {
		t.Errorf("Check(invalid) error = %q; want no --allow-network hint", err)
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	err := New(nil).Check(netip.MustParseAddr("127.0.0.1"))
	if err == nil {
		t.Fatal("Check(127.0.0.1) = nil; want error")
	}
	msg := err.Error()
	for _, want := range []string{"127.0.0.1", "loopback 127.0.0.0/8", "--allow-network 127.0.0.0/8"} {
		if !strings.Contains(msg, want) {
			t.Errorf("got error %q; want it to contain %q", msg, want)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		host string
		want string // "" means ok=false
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{"0", "0.0.0.0"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0177.0000.0000.0001", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0x7F.0x0.0x0.0x1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0xA9FEA9FE", "169.254.169.254"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"10.65535", "10.0.255.255"},
		{"192.168.257", "192.168.1.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"[::1]", "::1"},
		{"::1", "::1"},
		{"[::ffff:127.0.0.1]", "127.0.0.1"},
		{"[::ffff:7f00:1]", "127.0.0.1"},
		{"::ffff:169.254.169.254", "169.254.169.254"},
		{"[fe80::1%eth0]", "fe80::1%eth0"},
		{"[2606:4700::1111]", "2606:4700::1111"},
		{"[127.0.0.1]", "127.0.0.1"},
		// not IP literals
		{"", ""},
		{"example.com", ""},
		{"localhost", ""},
		{"127.0.0.1.example.com", ""},
		{"1.2.3.4.5", ""},
		{"256.0.0.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"1.16777216", ""},
		{"4294967296", ""},
		{"08.0.0.1", ""},
		{"0x", ""},
		{"0xg", ""},
		{"0x0x1", ""},
		{"1..1", ""},
		{".", ""},
		{"..", ""},
		{"127.0.0.1..", ""},
		{"+1", ""},
		{"-1", ""},
		{"1_0", ""},
		{" 127.0.0.1", ""},
		{"[::1", ""},
		{"::1]", ""},
		{"[]", ""},
		{"[example.com]", ""},
		{"[::1]:80", ""},
		{"1:2:3", ""},
	}
	for _, tt := range tests {
		got, ok := NormalizeHost(tt.host)
		if tt.want == "" {
			if ok {
				t.Errorf("NormalizeHost(%q) = %s, true; want ok=false", tt.host, got)
			}
			continue
		}
		if want := netip.MustParseAddr(tt.want); !ok || got != want {
			t.Errorf("NormalizeHost(%q) = %s, %v; want %s, true", tt.host, got, ok, want)
		}
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow([]string{"127.0.0.0/8", "::1", "10.0.0.1", " 192.168.0.0/16 ", "10.1.2.3/8", "::ffff:127.0.0.0/104", "fd00::/8"})
	if err != nil {
		t.Fatalf("ParseAllow: got error %v; want nil", err)
	}
	want := []string{"127.0.0.0/8", "::1/128", "10.0.0.1/32", "192.168.0.0/16", "10.0.0.0/8", "127.0.0.0/8", "fd00::/8"}
	if len(got) != len(want) {
		t.Fatalf("ParseAllow: got %v; want %v", got, want)
	}
	for i := range want {
		if w := netip.MustParsePrefix(want[i]); got[i] != w {
			t.Errorf("ParseAllow entry %d: got %s; want %s", i, got[i], w)
		}
	}

	for _, bad := range []string{"", "nope", "10.0.0.0/33", "300.1.1.1", "10.0.0.0/", "fe80::1%eth0", "::1/129", "2130706433"} {
		_, err := ParseAllow([]string{"127.0.0.0/8", bad})
		if err == nil {
			t.Errorf("ParseAllow(%q): got nil error; want error", bad)
			continue
		}
		if !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseAllow(%q): got error %q; want it to name the bad value", bad, err)
		}
	}
}

func TestAllowList(t *testing.T) {
	tests := []struct {
		allow   []string
		addr    string
		allowed bool
	}{
		{nil, "127.0.0.1", false},
		{[]string{"127.0.0.0/8"}, "127.0.0.1", true},
		{[]string{"127.0.0.0/8"}, "127.0.0.0", true},
		{[]string{"127.0.0.0/8"}, "127.255.255.255", true},
		{[]string{"127.0.0.0/8"}, "::ffff:127.0.0.1", true},
		{[]string{"127.0.0.0/8"}, "::1", false},
		{[]string{"127.0.0.0/8"}, "0.0.0.0", false},
		{[]string{"127.0.0.0/8"}, "10.0.0.1", false},
		{[]string{"127.0.0.0/8"}, "169.254.169.254", false},
		{[]string{"127.0.0.0/8"}, "64:ff9b::7f00:1", false},
		{[]string{"127.0.0.0/8"}, "2002:7f00:1::1", false},
		{[]string{"127.0.0.0/8"}, "8.8.8.8", true},
		{[]string{"10.1.0.0/16"}, "10.1.0.0", true},
		{[]string{"10.1.0.0/16"}, "10.1.255.255", true},
		{[]string{"10.1.0.0/16"}, "::ffff:10.1.2.3", true},
		{[]string{"10.1.0.0/16"}, "10.0.255.255", false},
		{[]string{"10.1.0.0/16"}, "10.2.0.0", false},
		{[]string{"::1"}, "::1", true},
		{[]string{"::1"}, "127.0.0.1", false},
		{[]string{"::ffff:127.0.0.0/104"}, "127.0.0.1", true},
		{[]string{"fe80::/10"}, "fe80::1%eth0", true},
		{[]string{"169.254.169.254/32"}, "169.254.169.254", true},
		{[]string{"169.254.169.254/32"}, "169.254.169.253", false},
		{[]string{"64:ff9b::7f00:0/104"}, "64:ff9b::7f00:1", true},
		{[]string{"64:ff9b::7f00:0/104"}, "64:ff9b::a00:1", false},
	}
	for _, tt := range tests {
		allow, err := ParseAllow(tt.allow)
		if err != nil {
			t.Fatalf("ParseAllow(%q): %v", tt.allow, err)
		}
		err = New(allow).Check(netip.MustParseAddr(tt.addr))
		if got := err == nil; got != tt.allowed {
			t.Errorf("allow %v, Check(%s): got err %v; want allowed=%v", tt.allow, tt.addr, err, tt.allowed)
		}
	}
}

// TestSuggestedCIDRUnblocks checks that allowing the CIDR named in a
// BlockedError really lets the address through, and nothing else is needed.
func TestSuggestedCIDRUnblocks(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "::1", "169.254.169.254", "64:ff9b::7f00:1", "64:ff9b::808:808", "2002:c0a8:101::1", "2001::1", "fe80::1%eth0", "::2"} {
		addr := netip.MustParseAddr(s)
		var be *BlockedError
		if err := New(nil).Check(addr); !errors.As(err, &be) {
			t.Fatalf("Check(%s) = %v; want *BlockedError", s, err)
		}
		if err := New([]netip.Prefix{be.CIDR}).Check(addr); err != nil {
			t.Errorf("allow %s, Check(%s): got %v; want nil", be.CIDR, s, err)
		}
	}
}

func TestControl(t *testing.T) {
	open := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	tests := []struct {
		g       *Guard
		network string
		address string
		blocked bool // want *BlockedError
		fail    bool // want another error
	}{
		{New(nil), "tcp4", "127.0.0.1:80", true, false},
		{New(nil), "tcp6", "[::1]:443", true, false},
		{New(nil), "tcp6", "[::ffff:127.0.0.1]:80", true, false},
		{New(nil), "tcp4", "169.254.169.254:80", true, false},
		{New(nil), "tcp6", "[fe80::1%eth0]:80", true, false},
		{New(nil), "udp4", "10.0.0.1:53", true, false},
		{New(nil), "tcp4", "8.8.8.8:443", false, false},
		{New(nil), "tcp6", "[2606:4700::1111]:443", false, false},
		{New(nil), "ip4:icmp", "127.0.0.1", true, false},
		{New(nil), "unix", "/run/docker.sock", false, true},
		{New(nil), "tcp4", "localhost:80", false, true},
		{New(nil), "tcp4", "", false, true},
		{open, "tcp4", "127.0.0.1:80", false, false},
		{open, "tcp6", "[::ffff:127.0.0.1]:80", false, false},
		{open, "tcp6", "[::1]:80", true, false},
		{open, "tcp4", "10.0.0.1:80", true, false},
	}
	for _, tt := range tests {
		err := tt.g.Control(tt.network, tt.address, nil)
		var be *BlockedError
		switch {
		case tt.blocked:
			if !errors.As(err, &be) {
				t.Errorf("Control(%q, %q) = %v; want *BlockedError", tt.network, tt.address, err)
			} else if !strings.Contains(err.Error(), "--allow-network") {
				t.Errorf("Control(%q, %q) error = %q; want it to mention --allow-network", tt.network, tt.address, err)
			}
		case tt.fail:
			if err == nil || errors.As(err, &be) {
				t.Errorf("Control(%q, %q) = %v; want a non-BlockedError error", tt.network, tt.address, err)
			}
		default:
			if err != nil {
				t.Errorf("Control(%q, %q) = %v; want nil", tt.network, tt.address, err)
			}
		}
	}
}

// TestDialerControl dials a real server, on 127.0.0.1 only, through
// net.Dialer{Control: g.Control}.
func TestDialerControl(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.1: %v", err)
	}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "delivered")
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	client := func(g *Guard) *http.Client {
		d := &net.Dialer{Timeout: 5 * time.Second, Control: g.Control}
		// No Proxy: the request must go straight to 127.0.0.1.
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
	}

	t.Run("blocked", func(t *testing.T) {
		resp, err := client(New(nil)).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s: got status %s; want blocked", srv.URL, resp.Status)
		}
		var be *BlockedError
		if !errors.As(err, &be) {
			t.Fatalf("GET %s: got error %v; want *BlockedError", srv.URL, err)
		}
		if want := netip.MustParsePrefix("127.0.0.0/8"); be.CIDR != want {
			t.Errorf("got CIDR %s; want %s", be.CIDR, want)
		}
		if !strings.Contains(err.Error(), "--allow-network 127.0.0.0/8") {
			t.Errorf("got error %q; want it to mention --allow-network 127.0.0.0/8", err)
		}
		// A plain net.Dialer dial is refused too.
		d := &net.Dialer{Control: New(nil).Control}
		if c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String()); err == nil {
			c.Close()
			t.Errorf("Dial %s: got connection; want blocked", ln.Addr())
		} else if !errors.As(err, &be) {
			t.Errorf("Dial %s: got error %v; want *BlockedError", ln.Addr(), err)
		}
		if n := conns.Load(); n != 0 {
			t.Errorf("server saw %d connections; want 0 (blocked before connect)", n)
		}
	})

	t.Run("allowed", func(t *testing.T) {
		g := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
		resp, err := client(g).Get(srv.URL)
		if err != nil {
			t.Fatalf("GET %s: got error %v; want success", srv.URL, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || string(body) != "delivered" {
			t.Errorf("GET %s: got body %q, err %v; want \"delivered\"", srv.URL, body, err)
		}
	})
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "127.1", "127.0.0.1.",
		"[::1]", "[::ffff:127.0.0.1]", "[fe80::1%eth0]", "example.com", "1.2.3.4.5", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		addr, ok := NormalizeHost(host)
		if !ok {
			if a, err := netip.ParseAddr(host); err == nil {
				t.Fatalf("NormalizeHost(%q) ok=false; want ok for netip address %s", host, a)
			}
			return
		}
		if !addr.IsValid() {
			t.Fatalf("NormalizeHost(%q) = invalid address with ok=true", host)
		}
		if addr.Is4In6() {
			t.Fatalf("NormalizeHost(%q) = %s; want IPv4-mapped address unmapped", host, addr)
		}
		if a, err := netip.ParseAddr(host); err == nil && a.Unmap() != addr {
			t.Fatalf("NormalizeHost(%q) = %s; want %s", host, addr, a.Unmap())
		}
		// The canonical form must round-trip.
		if again, ok := NormalizeHost(addr.String()); !ok || again != addr {
			t.Fatalf("NormalizeHost(%q) = %s, but NormalizeHost(%q) = %s, %v", host, addr, addr.String(), again, ok)
		}
		Classify(addr)
		_ = New(nil).Check(addr)
	})
}
