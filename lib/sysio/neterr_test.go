package sysio

import (
	"context"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// Each transport failure an operator must tell apart gets its own kind.
func TestClassify(t *testing.T) {
	op := func(errno error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	for _, tc := range []struct {
		err  error
		want NetKind
	}{
		{op(syscall.ECONNREFUSED), NetRefused},
		{op(syscall.ECONNRESET), NetReset},
		{op(syscall.EHOSTUNREACH), NetUnreachable},
		{op(syscall.ENETUNREACH), NetUnreachable},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), NetTimeout},
		{&net.DNSError{Err: "no such host", Name: "plug.lan"}, NetDNS},
		{op(syscall.EACCES), NetOther},
	} {
		if !IsNet(Classify(tc.err), tc.want) {
			t.Errorf("%v: classified as %v, want %s", tc.err, Classify(tc.err), tc.want)
		}
	}
}
