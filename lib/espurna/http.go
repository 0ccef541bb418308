package espurna

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Dialect is a generation of ESPurna's HTTP API.
type Dialect string

const (
	Auto   Dialect = "auto"   // any firmware from 1.13.3: every request is one they all read
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
}

func (h *HTTP) base(host string) string {
	return fmt.Sprintf("%s://%s", h.Scheme, net.JoinHostPort(host, strconv.Itoa(h.Port)))
}

func (h *HTTP) auto() bool { return h.Dialect == Auto || h.Dialect == "" }

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

// read asks for a value the way the dialect wants: a GET with the key in a header on 1.15-dev, in
// the query before (those firmwares read no header). In auto mode it is a PUT with the key in
// the Api-Key header and the form body and no value: 1.13.3 and later (and 1.13.2) take a PUT's
// key from its body, 1.15-dev from either, and a PUT without a value switches nothing and
// answers the state, as a GET does (1.14 api.ino writes only on a value; 1.15-dev only on a
// parameter other than apikey). So one request reads any firmware, with no probe for the
// dialect, and the key never travels in a URL.
func (h *HTTP) read(ctx context.Context, host, path string) ([]byte, error) {
	var resp sysio.HTTPResponse
	var err error
	switch {
	case h.auto():
		form := url.Values{"apikey": {h.APIKey}}
		resp, err = h.do(ctx, host, "PUT", path, map[string]string{"Api-Key": h.APIKey}, []byte(form.Encode()))
	case h.Dialect == V2:
		resp, err = h.do(ctx, host, "GET", path, map[string]string{"Api-Key": h.APIKey}, nil)
	default:
		resp, err = h.do(ctx, host, "GET", path+"?apikey="+url.QueryEscape(h.APIKey), nil, nil)
	}
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, statusError(resp, h.Dialect)
	}
	return resp.Body, nil
}

// Relay reads a relay's state. ESPurna answers its target state: what it was last told, which
// the physical relay follows unless a delay, flood protection or a fault holds it back.
func (h *HTTP) Relay(ctx context.Context, p Plug) (bool, error) {
	body, err := h.read(ctx, p.Host, fmt.Sprintf("/api/relay/%d", p.Relay))
	if err != nil {
		return false, err
	}
	return answer(h, body, func(b []byte) (bool, error) { return ParseRelay(b, p.Relay) })
}

// SetRelay switches a relay and checks the answer: ESPurna answers 200 with the unchanged state
// when a lock refuses the change, so a 200 alone proves nothing. In auto mode the PUT carries
// the key in the header and in the form body, which 1.13.3 and later all read, and never in
// the URL.
func (h *HTTP) SetRelay(ctx context.Context, p Plug, on bool) error {
	d := h.Dialect
	if h.auto() {
		d = Auto
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
	case Auto:
		form := url.Values{"value": {v}, "apikey": {h.APIKey}}
		resp, err = h.do(ctx, p.Host, "PUT", path, map[string]string{"Api-Key": h.APIKey}, []byte(form.Encode()))
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
	body, err := h.read(ctx, host, "/api/power")
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
