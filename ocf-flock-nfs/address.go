package main

import (
	"net/netip"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// readTarget is the address the depth-20 read mounts from: the first ip when it is bound on
// this node, else 127.0.0.1. The kernel makes a local destination its own source, so with
// the floating IP nfsd sees the client the exports were written for (the clients' network
// holds the floating IP) and the read takes the clients' path; before IPaddr2 binds the IP
// (it starts after this resource) 127.0.0.1 is the one address of this server there is.
func (s *server) readTarget() string {
	if a, err := netip.ParseAddr(s.c.ips[0]); err == nil && isLocalAddr(s.r.P.Files, a.Unmap()) {
		return a.Unmap().String()
	}
	return "127.0.0.1"
}

// isLocalAddr reports a bound on this node: an IPv4 /32 LOCAL entry in the kernel's FIB, an
// IPv6 address in if_inet6. Unreadable means no.
func isLocalAddr(files sysio.Files, a netip.Addr) bool {
	if a.Is6() {
		data, _ := files.ReadFile("/proc/net/if_inet6")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && len(f[0]) == 32 && strings.EqualFold(f[0], hex6(a)) {
				return true
			}
		}
		return false
	}
	data, _ := files.ReadFile("/proc/net/fib_trie")
	leaf := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "|-- "):
			leaf = strings.TrimPrefix(line, "|-- ")
		case strings.HasPrefix(line, "+-- "):
			leaf = ""
		case line == "/32 host LOCAL" && leaf == a.String():
			return true
		}
	}
	return false
}

func hex6(a netip.Addr) string {
	b := a.As16()
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 32)
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// nfsHost is addr as a mount source's host: an IPv6 address in brackets.
func nfsHost(addr string) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]"
	}
	return addr
}
