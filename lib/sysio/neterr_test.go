package sysio

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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
		if !IsNet(classify(tc.err), tc.want) {
			t.Errorf("%v: classified as %v, want %s", tc.err, classify(tc.err), tc.want)
		}
	}
}

// A request that cannot even be built fails without its URL: the URL may carry a query secret.
func TestHTTPBadURLHasNoURLInError(t *testing.T) {
	_, err := Real().HTTP.Do(context.Background(), HTTPRequest{Method: "GET", URL: "http://127.0.0.1:-1/x?apikey=s3cr3t"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "http://") {
		t.Fatalf("Do = %v, want an error without the URL", err)
	}
}

// An answer past the size bound is an error, never its first MiB: "0" followed by a MiB of
// blanks and more would otherwise read as a relay that is off.
func TestHTTPOversizedAnswerIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "0"+strings.Repeat(" ", maxBody)+"1 and more")
	}))
	defer srv.Close()
	resp, err := Real().HTTP.Do(context.Background(), HTTPRequest{Method: "GET", URL: srv.URL})
	if err == nil {
		t.Fatalf("Do = %d and %d bytes, want an error", resp.Status, len(resp.Body))
	}
}
