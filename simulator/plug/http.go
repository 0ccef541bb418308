package plug

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// formType is the only body ESPAsyncWebServer turns into parameters.
const formType = "application/x-www-form-urlencoded"

// apiRequest is an HTTP request seen the way ESPAsyncWebServer exposes it:
// getParam(name, isPut) looks in the form body for PUT and in the query
// string otherwise, never both.
type apiRequest struct {
	r      *http.Request
	query  url.Values
	body   url.Values
	formCT bool // Content-Type (before any ';') is exactly formType
	keyIn  string
}

func newAPIRequest(r *http.Request) *apiRequest {
	q := &apiRequest{r: r, query: r.URL.Query(), body: url.Values{}}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	q.formCT = strings.TrimSpace(ct) == formType
	if r.Method == http.MethodPut && q.formCT && r.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		q.body, _ = url.ParseQuery(string(raw))
	}
	var where []string
	if _, ok := r.Header["Api-Key"]; ok {
		where = append(where, "header")
	}
	if q.query.Has("apikey") {
		where = append(where, "query")
	}
	if q.body.Has("apikey") {
		where = append(where, "body")
	}
	q.keyIn = strings.Join(where, ",")
	return q
}

func (q *apiRequest) isPut() bool { return q.r.Method == http.MethodPut }

func (q *apiRequest) param(name string) (string, bool) {
	src := q.query
	if q.isPut() {
		src = q.body
	}
	if !src.Has(name) {
		return "", false
	}
	return src.Get(name), true
}

// reply is what the emulated firmware answers.
type reply struct {
	status    int
	ctype     string
	body      string
	value     bool // body is a value read (relay/sensor): Malformed garbles it
	closeConn bool // firmware closes the socket (its 404 path)
	reset     bool // no answer: the connection dies (firmware abort)
}

func text(body string) reply { return reply{status: 200, ctype: "text/plain", body: body, value: true} }

// Handler serves the plug's HTTP API. Faults apply to it as well; Offline
// and Crash make it reset connections (Serve refuses them outright).
func (p *Plug) Handler() http.Handler { return http.HandlerFunc(p.serveHTTP) }

func (p *Plug) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if d := p.cfg.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-p.done:
		}
		t.Stop()
	}
	q := newAPIRequest(r)
	ev := Event{Kind: EvHTTP, Method: r.Method, Path: r.URL.Path, KeyIn: q.keyIn}
	if v, ok := q.param("value"); ok {
		ev.Value = &v
	}

	p.mu.Lock()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	ev.Time = now
	f := p.fault
	switch {
	case p.crashed || p.closed || f.Offline:
		ev.Detail = "unreachable"
		p.recordLocked(now, ev)
		p.unlockAndFlush()
		resetConn(w)
		return
	case f.Reset:
		ev.Detail = "fault: connection reset"
		p.recordLocked(now, ev)
		p.unlockAndFlush()
		resetConn(w)
		return
	case f.Hang:
		ev.Detail = "fault: hang"
		p.recordLocked(now, ev)
		p.unlockAndFlush()
		select {
		case <-r.Context().Done():
		case <-p.done:
		}
		return
	}

	idx := len(p.events)
	var rep reply
	if f.HTTPStatus != 0 {
		rep = reply{status: f.HTTPStatus}
		ev.Detail = "fault: forced status"
	} else if p.cfg.Dialect == V2 {
		rep = p.routeV2Locked(now, q, &ev)
	} else {
		rep = p.routeClassicLocked(now, q, &ev)
	}
	if f.Malformed && rep.value {
		rep.body = "garbage"
		ev.Detail = strings.TrimPrefix(ev.Detail+"; fault: malformed body", "; ")
	}
	p.advanceLocked(now)
	ev.Status = rep.status
	p.insertLocked(idx, ev)
	p.mu.Unlock()

	if rep.reset {
		resetConn(w)
	} else {
		writeReply(w, rep)
	}
	p.flush() // callbacks and publishes after the client has its answer
}

func writeReply(w http.ResponseWriter, rep reply) {
	h := w.Header()
	if rep.closeConn {
		h.Set("Connection", "close")
	}
	if rep.ctype != "" {
		h.Set("Content-Type", rep.ctype)
	}
	w.WriteHeader(rep.status)
	if rep.body != "" {
		_, _ = io.WriteString(w, rep.body)
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// resetConn aborts the connection with RST (SO_LINGER 0) so the client
// sees "connection reset by peer", not a clean EOF.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn() // no close_notify alert
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}

// relayValue is the API's read-back: the TARGET status (since 1.12.4).
func (p *Plug) relayValue(id int) string {
	if p.relays[id].target {
		return "1"
	}
	return "0"
}
