package plug

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock lets tests drive delays, flood windows and sensor reports.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 2, 8, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// servePlug runs a plug on a fresh loopback port and returns its base URL.
func servePlug(t *testing.T, cfg Config) (*Plug, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := New(cfg)
	if err := p.Start(ln); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, "http://" + ln.Addr().String()
}

type resp struct {
	status int
	body   string
	ctype  string
}

// do sends a plain net/http request; form, if not nil, becomes a
// x-www-form-urlencoded body.
func do(t *testing.T, method, u string, form url.Values, hdr map[string]string) resp {
	t.Helper()
	r, err := doErr(context.Background(), method, u, form, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

func doErr(ctx context.Context, method, u string, form url.Values, hdr map[string]string) (resp, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return resp{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// A fresh transport per request: no connection reuse across faults.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(b), ctype: res.Header.Get("Content-Type")}, err
}

func expect(t *testing.T, got resp, status int, body string) {
	t.Helper()
	if got.status != status || got.body != body {
		t.Fatalf("got %d %q, want %d %q", got.status, got.body, status, body)
	}
}

func expectRelay(t *testing.T, p *Plug, target, current bool) {
	t.Helper()
	gt, gc := p.Relay(0)
	if gt != target || gc != current {
		t.Fatalf("relay 0: target=%t current=%t, want target=%t current=%t", gt, gc, target, current)
	}
}

// waitEvent waits (bounded by the test context) for a matching event.
func waitEvent(t *testing.T, p *Plug, what string, match func(Event) bool) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	e, err := p.WaitFor(ctx, match)
	if err != nil {
		t.Fatalf("waiting for %s: %v\ntimeline:\n%s", what, err, dump(p))
	}
	return e
}

func dump(p *Plug) string {
	var b strings.Builder
	for _, e := range p.Timeline() {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

func countKind(p *Plug, k EventKind) int {
	n := 0
	for _, e := range p.Timeline() {
		if e.Kind == k {
			n++
		}
	}
	return n
}
