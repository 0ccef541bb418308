package sysio

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"
)

// HTTPRequest is one request. Header is single-valued: none of our peers needs more, and it keeps
// tapes readable.
type HTTPRequest struct {
	Method  string
	URL     string
	Header  map[string]string
	Body    []byte
	Timeout time.Duration // whole exchange; 0 = only ctx bounds it
	TLS     TLSOptions
	// UnixSocket, when set, carries the request over that socket (the Docker Engine API).
	UnixSocket string
	// KeepBody, when set, is what a recording keeps of the answer's body: the part the agent
	// reads, for answers that carry secrets beside it (a container's environment).
	KeepBody func([]byte) []byte
}

// TLSOptions verify by default; Insecure is the operator's explicit opt-out.
type TLSOptions struct {
	Insecure bool
	CAFile   string
	CertFile string
	KeyFile  string
}

// HTTPResponse is a complete response; bodies are small for every peer we talk to.
type HTTPResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// HTTPClient performs requests. Errors are *NetError.
type HTTPClient interface {
	Do(ctx context.Context, r HTTPRequest) (HTTPResponse, error)
}

// maxBody bounds what we read from a peer: a plug answers bytes, not megabytes.
const maxBody = 1 << 20

type realHTTP struct {
	mu      sync.Mutex
	clients map[string]*http.Client
}

func newRealHTTP() *realHTTP { return &realHTTP{clients: map[string]*http.Client{}} }

// client returns one client per transport setting, so connections are reused within a run
// (a list-status over many relays of one plug costs one TCP handshake).
func (h *realHTTP) client(r HTTPRequest) (*http.Client, error) {
	key := fmt.Sprintf("%v|%s", r.TLS, r.UnixSocket)
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.clients[key]; ok {
		return c, nil
	}
	tc := &tls.Config{InsecureSkipVerify: r.TLS.Insecure} //nolint:gosec // operator's explicit choice
	if r.TLS.CAFile != "" {
		pem, err := os.ReadFile(r.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", r.TLS.CAFile)
		}
		tc.RootCAs = pool
	}
	if r.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(r.TLS.CertFile, r.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: tc, Proxy: nil, MaxIdleConnsPerHost: 4, DisableCompression: true}
	if r.UnixSocket != "" {
		sock := r.UnixSocket
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}
	}
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	h.clients[key] = c
	return c, nil
}

func (h *realHTTP) Do(ctx context.Context, r HTTPRequest) (HTTPResponse, error) {
	c, err := h.client(r)
	if err != nil {
		return HTTPResponse{}, &NetError{Kind: NetTLS, Msg: err.Error()}
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return HTTPResponse{}, &NetError{Kind: NetOther, Msg: unwrapURL(err).Error()}
	}
	if r.Body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return HTTPResponse{}, classify(unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return HTTPResponse{}, classify(err)
	}
	if len(body) > maxBody { // its first MiB is not its answer ("0" and a MiB of blanks)
		return HTTPResponse{}, &NetError{Kind: NetOther, Msg: fmt.Sprintf("answer larger than %d KiB: not a plug's", maxBody>>10)}
	}
	out := HTTPResponse{Status: resp.StatusCode, Header: map[string]string{}, Body: body}
	for k := range resp.Header {
		out.Header[k] = resp.Header.Get(k)
	}
	return out, nil
}

// unwrapURL drops net/http's "Get "http://...": " wrapper and net/url's "parse "http://...": "
// one, which would repeat the URL (and with it any query secret) in every message.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SortedKeys returns the keys of m in order, for stable rendering of headers.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
