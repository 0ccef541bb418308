package espurna

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Dialect is a generation of ESPurna's HTTP API.
type Dialect string

const (
	Auto   Dialect = "auto"   // probe with a read; never switches anything to find out
	Legacy Dialect = "legacy" // <= 1.13.2, or apiRestFul=0: writes are GET ...&value=N
	Rest   Dialect = "rest"   // 1.13.3 - 1.14.x: writes are PUT, apikey in the form body
	V2     Dialect = "v2"     // 1.15.0-dev: Api-Key header, text/plain only
)

// HTTP is a client of plugs' HTTP API.
type HTTP struct {
	Client  sysio.HTTPClient
	Scheme  string // http or https
	Port    int
	APIKey  string
	Dialect Dialect
	Timeout time.Duration // per request
	TLS     sysio.TLSOptions

	mu       sync.Mutex
	detected map[string]Dialect // per host, found by probing
}

func (h *HTTP) base(host string) string {
	return fmt.Sprintf("%s://%s", h.Scheme, net.JoinHostPort(host, strconv.Itoa(h.Port)))
}

// dialect returns the host's API generation, probing once per host in auto mode. The probe is a
// read of relay with the key in the Api-Key header: 1.15-dev answers it, older firmware answers
// 403 because it only reads the key from the query. A 200 is the relay's state, returned as
// body so the probe serves as the read it was made for (nil when no probe was made or it said
// nothing of the relay).
func (h *HTTP) dialect(ctx context.Context, host string, relay int) (Dialect, []byte, error) {
	if h.Dialect != Auto && h.Dialect != "" {
		return h.Dialect, nil, nil
	}
	h.mu.Lock()
	d, ok := h.detected[host]
	h.mu.Unlock()
	if ok {
		return d, nil, nil
	}
	resp, err := h.do(ctx, host, "GET", fmt.Sprintf("/api/relay/%d", relay), map[string]string{"Api-Key": h.APIKey}, nil)
	if err != nil {
		return "", nil, err
	}
	var body []byte
	switch resp.Status {
	case 200:
		d, body = V2, resp.Body
	case 404, 500: // 1.15-dev: only it reads the header (404 is also its answer to a wrong key)
		d = V2
	case 403:
		d = Rest
	default:
		return "", nil, statusError(resp, V2)
	}
	h.mu.Lock()
	if h.detected == nil {
		h.detected = map[string]Dialect{}
	}
	h.detected[host] = d
	h.mu.Unlock()
	return d, body, nil
}

func (h *HTTP) do(ctx context.Context, host, method, path string, hdr map[string]string, body []byte) (sysio.HTTPResponse, error) {
	if hdr == nil {
		hdr = map[string]string{}
	}
	hdr["Accept"] = "text/plain"
	if body != nil {
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
	}
	return h.Client.Do(ctx, sysio.HTTPRequest{Method: method, URL: h.base(host) + path, Header: hdr, Body: body,
		Timeout: h.Timeout, TLS: h.TLS})
}

// read GETs a path with the key where the dialect wants it: a header on 1.15-dev, the query
// before (those firmwares read no header, so the key has to travel in the URL).
func (h *HTTP) read(ctx context.Context, host, path string, d Dialect) ([]byte, error) {
	var hdr map[string]string
	if d == V2 {
		hdr = map[string]string{"Api-Key": h.APIKey}
	} else {
		path += "?apikey=" + url.QueryEscape(h.APIKey)
	}
	resp, err := h.do(ctx, host, "GET", path, hdr, nil)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, statusError(resp, d)
	}
	return resp.Body, nil
}

// Relay reads a relay's state. ESPurna answers its target state: what it was last told, which
// the physical relay follows unless a delay, flood protection or a fault holds it back.
func (h *HTTP) Relay(ctx context.Context, p Plug) (bool, error) {
	d, body, err := h.dialect(ctx, p.Host, p.Relay)
	if err == nil && body == nil {
		body, err = h.read(ctx, p.Host, fmt.Sprintf("/api/relay/%d", p.Relay), d)
	}
	if err != nil {
		return false, err
	}
	return answer(h, body, func(b []byte) (bool, error) { return ParseRelay(b, p.Relay) })
}

// SetRelay switches a relay and checks the answer: ESPurna answers 200 with the unchanged state
// when a lock refuses the change, so a 200 alone proves nothing. In auto mode a host not probed
// yet gets no probe: the PUT carries the key in the header and in the form body, which 1.13.3
// and later all read, and never in the URL.
func (h *HTTP) SetRelay(ctx context.Context, p Plug, on bool) error {
	d := h.Dialect
	if d == Auto || d == "" {
		h.mu.Lock()
		d = h.detected[p.Host]
		h.mu.Unlock()
	}
	v := map[bool]string{true: "1", false: "0"}[on]
	path := fmt.Sprintf("/api/relay/%d", p.Relay)
	var resp sysio.HTTPResponse
	var err error
	switch d {
	case Legacy:
		resp, err = h.do(ctx, p.Host, "GET", path+"?apikey="+url.QueryEscape(h.APIKey)+"&value="+v, nil, nil)
	case Rest:
		form := url.Values{"value": {v}, "apikey": {h.APIKey}}
		resp, err = h.do(ctx, p.Host, "PUT", path, nil, []byte(form.Encode()))
	case "": // auto, not probed
		form := url.Values{"value": {v}, "apikey": {h.APIKey}}
		resp, err = h.do(ctx, p.Host, "PUT", path, map[string]string{"Api-Key": h.APIKey}, []byte(form.Encode()))
		d = Auto
	default:
		resp, err = h.do(ctx, p.Host, "PUT", path, map[string]string{"Api-Key": h.APIKey}, []byte("value="+v))
	}
	if err != nil {
		return err
	}
	if resp.Status != 200 {
		return statusError(resp, d)
	}
	got, err := answer(h, resp.Body, func(b []byte) (bool, error) { return ParseRelay(b, p.Relay) })
	if err != nil {
		return err
	}
	if got != on {
		return fmt.Errorf("relay %d refused to switch %s (answered %s): relay locked, or a write the firmware ignored (api_version=%s)",
			p.Relay, onOff(on), onOff(got), d)
	}
	return nil
}

// Power reads the power meter in watts (/api/power). Stock firmware answers its last *reported*
// value, refreshed about once a minute unless real-time reporting is on.
func (h *HTTP) Power(ctx context.Context, host string) (float64, error) {
	d, _, err := h.dialect(ctx, host, 0)
	if err != nil {
		return 0, err
	}
	body, err := h.read(ctx, host, "/api/power", d)
	if err != nil {
		return 0, err
	}
	return answer(h, body, ParsePower)
}

// answer parses a plug's answer. A malformed one is parsed again with our API key taken out in
// every form it travels in (a peer that echoes the request sends it back URL-escaped), so the
// error quoting the answer never carries it; the quote is cut short, and a cut piece of a key
// could no longer be recognised and redacted further up.
func answer[T any](h *HTTP, body []byte, parse func([]byte) (T, error)) (T, error) {
	v, err := parse(body)
	if err == nil || h.APIKey == "" {
		return v, err
	}
	s := string(body)
	for _, form := range []string{h.APIKey, url.QueryEscape(h.APIKey), url.PathEscape(h.APIKey)} {
		s = strings.ReplaceAll(s, form, "<redacted>")
	}
	if _, again := parse([]byte(s)); again != nil {
		err = again
	} else { // never an answer made valid by our own edit: it stays malformed
		err = fmt.Errorf("unexpected answer holding the API key")
	}
	var zero T
	return zero, err
}

func onOff(b bool) string { return map[bool]string{true: "ON", false: "OFF"}[b] }

// statusError explains an HTTP status in the terms of the firmware.
func statusError(r sysio.HTTPResponse, d Dialect) error {
	switch r.Status {
	case 403:
		return fmt.Errorf("the plug refused the API key (HTTP 403): check apikey, and that the HTTP API is enabled on the plug")
	case 404:
		return fmt.Errorf("the plug answered HTTP 404: no such relay, HTTP API disabled, or (firmware 1.15-dev) a wrong API key")
	case 405:
		return fmt.Errorf("the plug refused the method (HTTP 405): its firmware does not speak api_version=%s", d)
	case 406:
		return fmt.Errorf("the plug refused the request format (HTTP 406): firmware 1.15-dev answers text/plain only")
	case 500:
		return fmt.Errorf("the plug could not process the request (HTTP 500): invalid relay id or value")
	}
	return fmt.Errorf("unexpected HTTP %d from the plug", r.Status)
}
