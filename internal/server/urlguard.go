package server

import (
	"net/url"
	"strings"

	"github.com/hookd/hookd/internal/netguard"
	"github.com/hookd/hookd/internal/webhook"
)

// checkURLHost refuses webhook URLs whose host is an IP address written in an unusual form:
// decimal (2130706433), octal (0177.0.0.1), hex (0x7f.1) or short (127.1). Such forms exist mostly to slip past filters; the address itself is
// checked again at dial time, after DNS, by the SSRF guard.
func checkURLHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // ValidateURL has answered already
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		return nil // IPv6 literals, mapped ones included, have one meaning: the dial guard unmaps them
	}
	addr, ok := netguard.NormalizeHost(host)
	if !ok || addr.String() == host {
		return nil
	}
	return webhook.Errorf(webhook.EInvalid, "url host %q is an unusual way to write the address %s; write it as %s", host, addr, addr)
}
