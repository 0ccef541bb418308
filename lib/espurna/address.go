// Package espurna talks to ESPurna smart plugs: relay read and switch, and the power meter, over
// the HTTP API of every firmware generation or over MQTT. It knows the firmware, not Pacemaker.
package espurna

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Plug addresses one relay: a host (name, IPv4 or [IPv6]) and a relay id (0 on a Teckin SP22).
type Plug struct {
	Host  string // without brackets
	Relay int
}

func (p Plug) String() string {
	h := p.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return fmt.Sprintf("%s:%d", h, p.Relay)
}

// maxRelay bounds relay ids: ESPurna boards have at most a handful.
const maxRelay = 63

// ParsePlug reads HOST[:RELAY], [IPv6][:RELAY] or a bare relay number. A bare number needs
// defaultHost (the device's ip); hostOffset selects isard-flock's legacy addressing instead,
// where plug N is relay 0 of the IPv4 address defaultHost+N.
func ParsePlug(s, defaultHost string, hostOffset bool) (Plug, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Plug{}, fmt.Errorf("empty plug")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if defaultHost == "" {
			return Plug{}, fmt.Errorf("plug %q is a bare number but no ip is set: use HOST[:RELAY], or set ip", s)
		}
		if hostOffset {
			return offsetPlug(defaultHost, n)
		}
		host := strings.Trim(defaultHost, "[]")
		if !validHost(host) {
			return Plug{}, fmt.Errorf("ip %q is not a host name or address", defaultHost)
		}
		return relayPlug(host, n, s)
	}
	host, relay := s, "0"
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return Plug{}, fmt.Errorf("plug %q: missing ] after IPv6 address", s)
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			r, ok := strings.CutPrefix(rest, ":")
			if !ok {
				return Plug{}, fmt.Errorf("plug %q: expected :RELAY after ]", s)
			}
			relay = r
		}
		if net.ParseIP(host) == nil {
			return Plug{}, fmt.Errorf("plug %q: %q is not an IPv6 address", s, host)
		}
	case strings.Count(s, ":") == 1:
		host, relay, _ = strings.Cut(s, ":")
	case strings.Count(s, ":") > 1:
		return Plug{}, fmt.Errorf("plug %q: write IPv6 addresses in brackets, e.g. [fd00::5]:0", s)
	}
	if !validHost(host) {
		return Plug{}, fmt.Errorf("plug %q: %q is not a host name or address", s, host)
	}
	return relayPlug(host, -1, relay)
}

func relayPlug(host string, n int, raw string) (Plug, error) {
	if n < 0 {
		var err error
		if n, err = strconv.Atoi(raw); err != nil {
			return Plug{}, fmt.Errorf("relay %q is not a number", raw)
		}
	}
	if n < 0 || n > maxRelay {
		return Plug{}, fmt.Errorf("relay %d is out of range 0..%d", n, maxRelay)
	}
	return Plug{Host: host, Relay: n}, nil
}

func offsetPlug(base string, n int) (Plug, error) {
	ip := net.ParseIP(base).To4()
	if ip == nil {
		return Plug{}, fmt.Errorf("host-offset addressing needs an IPv4 ip, not %q", base)
	}
	if n < 0 || n > 254-int(ip[3]) { // compared before adding: a huge n would wrap around
		return Plug{}, fmt.Errorf("plug %d: %s + %d is past the end of the subnet", n, base, n)
	}
	last := int(ip[3]) + n
	out := net.IPv4(ip[0], ip[1], ip[2], byte(last))
	return Plug{Host: out.String(), Relay: 0}, nil
}

// validHost accepts DNS names and IP literals, and nothing that could smuggle a URL part.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
