package httpio

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// TLS failures get their own kind, the others what sysio.Classify says.
func TestClassifyTLS(t *testing.T) {
	if err := Classify(x509.UnknownAuthorityError{}); !sysio.IsNet(err, sysio.NetTLS) {
		t.Errorf("unknown authority classified as %v, want tls", err)
	}
	if err := Classify(context.DeadlineExceeded); !sysio.IsNet(err, sysio.NetTimeout) {
		t.Errorf("deadline classified as %v, want timeout", err)
	}
}

// A request that cannot even be built fails without its URL: the URL may carry a query secret.
func TestHTTPBadURLHasNoURLInError(t *testing.T) {
	_, err := New().Do(context.Background(), sysio.HTTPRequest{Method: "GET", URL: "http://127.0.0.1:-1/x?apikey=s3cr3t"})
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
	resp, err := New().Do(context.Background(), sysio.HTTPRequest{Method: "GET", URL: srv.URL})
	if err == nil {
		t.Fatalf("Do = %d and %d bytes, want an error", resp.Status, len(resp.Body))
	}
}
