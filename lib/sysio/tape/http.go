package tape

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// keptHeaders are the response headers a tape keeps: the ones an agent may act on. The others
// (Date, Server, ...) change on every run and would only make tapes differ.
var keptHeaders = []string{"Content-Type", "Location"}

// httpChannel is one peer: requests to one host:port (or unix socket) keep their order.
func httpChannel(r sysio.HTTPRequest) string {
	if r.UnixSocket != "" {
		return "http unix:" + r.UnixSocket
	}
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return "http invalid-url"
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return "http " + net.JoinHostPort(u.Hostname(), port)
}

func httpAsk(r sysio.HTTPRequest) []Field {
	method := r.Method
	if method == "" {
		method = "GET" // as net/http reads it
	}
	ask := []Field{fld(method, r.URL)}
	for _, k := range sysio.SortedKeys(r.Header) {
		ask = append(ask, fld("header", k, r.Header[k]))
	}
	if len(r.Body) > 0 {
		ask = append(ask, fld("body", string(r.Body)))
	}
	if r.Timeout > 0 {
		ask = append(ask, fld("timeout", fmtDur(r.Timeout)))
	}
	return append(ask, tlsAskFields(r.TLS)...)
}

func tlsAskFields(o sysio.TLSOptions) []Field {
	var fs []Field
	if o.Insecure {
		fs = append(fs, fld("tls-insecure"))
	}
	for _, kv := range [][2]string{{"tls-ca", o.CAFile}, {"tls-cert", o.CertFile}, {"tls-key", o.KeyFile}} {
		if kv[1] != "" {
			fs = append(fs, fld(kv[0], kv[1]))
		}
	}
	return fs
}

func httpAnswer(resp sysio.HTTPResponse, err error) []Field {
	if err != nil {
		return []Field{errorField("http", err)}
	}
	ans := []Field{fld("status", strconv.Itoa(resp.Status))}
	for _, k := range keptHeaders {
		for hk, v := range resp.Header {
			if strings.EqualFold(hk, k) {
				ans = append(ans, fld("header", k, v))
			}
		}
	}
	if len(resp.Body) > 0 {
		ans = append(ans, fld("body", string(resp.Body)))
	}
	return ans
}

type recHTTP struct{ r *recorder }

func (h recHTTP) Do(ctx context.Context, req sysio.HTTPRequest) (sysio.HTTPResponse, error) {
	h.r.secrets.fromRequest(req)
	id := h.r.begin(httpChannel(req), httpAsk(req))
	resp, err := h.r.inner.HTTP.Do(ctx, req)
	kept := resp
	if req.KeepBody != nil && err == nil {
		kept.Body = req.KeepBody(resp.Body)
	}
	h.r.end(id, httpAnswer(kept, err))
	return resp, err
}

type playHTTP struct{ p *player }

func (h playHTTP) Do(_ context.Context, req sysio.HTTPRequest) (sysio.HTTPResponse, error) {
	e, err := h.p.serve(httpChannel(req), httpAsk(req))
	if err != nil {
		return sysio.HTTPResponse{}, &sysio.NetError{Kind: sysio.NetOther, Msg: err.Error()}
	}
	if err := answerError("http", e.Answer); err != nil {
		return sysio.HTTPResponse{}, err
	}
	status, _ := strconv.Atoi(arg(e.Answer, "status")) // checked by the schema
	resp := sysio.HTTPResponse{Status: status, Header: map[string]string{}, Body: []byte(arg(e.Answer, "body"))}
	for _, fl := range e.Answer {
		if fl.Key == "header" {
			resp.Header[fl.Args[0]] = fl.Args[1]
		}
	}
	return resp, nil
}
