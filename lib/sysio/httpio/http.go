// Package httpio is the real HTTP kind of lib/sysio's IO, with the TLS set-up and the TLS
// failure kinds that lib/sysio/mqttio shares. Only agents that speak HTTP or MQTT link it (and
// with it net/http and crypto/tls): see sysio.Real.
package httpio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// maxBody bounds what we read from a peer: a plug answers bytes, not megabytes.
const maxBody = 1 << 20

type client struct {
	mu      sync.Mutex
	clients map[string]*http.Client
}

// New returns the HTTP client of this machine, for sysio.World.HTTP.
func New() sysio.HTTPClient { return &client{clients: map[string]*http.Client{}} }

// client returns one client per transport setting, so connections are reused within a run
// (a list-status over many relays of one plug costs one TCP handshake).
func (h *client) client(r sysio.HTTPRequest) (*http.Client, error) {
	key := fmt.Sprintf("%v|%s", r.TLS, r.UnixSocket)
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.clients[key]; ok {
		return c, nil
	}
	tc, err := TLSConfig(r.TLS)
	if err != nil {
		return nil, err
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

func (h *client) Do(ctx context.Context, r sysio.HTTPRequest) (sysio.HTTPResponse, error) {
	c, err := h.client(r)
	if err != nil {
		return sysio.HTTPResponse{}, &sysio.NetError{Kind: sysio.NetTLS, Msg: err.Error()}
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return sysio.HTTPResponse{}, &sysio.NetError{Kind: sysio.NetOther, Msg: unwrapURL(err).Error()}
	}
	if r.Body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return sysio.HTTPResponse{}, Classify(unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return sysio.HTTPResponse{}, Classify(err)
	}
	if len(body) > maxBody { // its first MiB is not its answer ("0" and a MiB of blanks)
		return sysio.HTTPResponse{}, &sysio.NetError{Kind: sysio.NetOther, Msg: fmt.Sprintf("answer larger than %d KiB: not a plug's", maxBody>>10)}
	}
	out := sysio.HTTPResponse{Status: resp.StatusCode, Header: map[string]string{}, Body: body}
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
