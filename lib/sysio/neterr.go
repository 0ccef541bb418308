package sysio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// NetKind says why a network exchange failed, in the terms an operator acts on.
type NetKind string

const (
	NetTimeout NetKind = "timeout"
	NetRefused NetKind = "refused"
	NetReset   NetKind = "reset"
	// NetUnreachable: no route to the host; on a LAN, nothing answers ARP for the address.
	NetUnreachable NetKind = "unreachable"
	NetTLS         NetKind = "tls"
	NetDNS         NetKind = "dns"
	NetAuth        NetKind = "auth" // MQTT: the broker refused our credentials
	NetOther       NetKind = "other"
)

// NetError is a failed network exchange. Kind survives a tape round trip, so a replayed fault
// produces the same message as the real one.
type NetError struct {
	Kind NetKind
	Msg  string
}

func (e *NetError) Error() string { return fmt.Sprintf("%s: %s", e.Kind, e.Msg) }

// IsNet reports whether err is a NetError of kind k.
func IsNet(err error, k NetKind) bool {
	var ne *NetError
	return errors.As(err, &ne) && ne.Kind == k
}

// Classify maps a Go network error onto a NetError. TLS failures read as NetOther here:
// httpio.Classify, which links crypto/tls, tells them.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ne *NetError
	if errors.As(err, &ne) {
		return err
	}
	kind := NetOther
	var dnsErr *net.DNSError
	var tErr interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		kind = NetTimeout
	case errors.As(err, &tErr) && tErr.Timeout():
		kind = NetTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = NetRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		kind = NetReset
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		kind = NetUnreachable
	case errors.As(err, &dnsErr):
		kind = NetDNS
	}
	return &NetError{Kind: kind, Msg: err.Error()}
}
