package plug

import (
	"net/http"
	"strings"
	"time"
)

// V2 is the dev (1.15.0-dev) api.cpp: per-path handlers whose canHandle()
// declines anything they do not take, which then falls to the web server's
// not-found path (404 + close). So a POST, a PUT that is not form data, a
// disabled API or (for JSON paths) a bad key all give 404, not 405/403.

// v2Auth is apiAuthenticate(): Api-Key header or apikey parameter; an
// empty configured key never matches.
func (p *Plug) v2Auth(q *apiRequest) bool {
	key := p.cfg.APIKey
	if key == "" {
		return false
	}
	if h, ok := q.r.Header["Api-Key"]; ok && len(h) > 0 && h[0] == key {
		return true
	}
	v, ok := q.param("apikey")
	return ok && v == key
}

// accepts: no Accept header, or one containing "*/*" or the type.
func accepts(q *apiRequest, ctype string) bool {
	if _, ok := q.r.Header["Accept"]; !ok {
		return true
	}
	a := q.r.Header.Get("Accept")
	return strings.Contains(a, "*/*") || strings.Contains(a, ctype)
}

// v2Basic is a plain-text endpoint; get/put return false for a 500. A get
// that returns "" answers 204; put == nil means none registered.
type v2Basic struct {
	get func(now time.Time, wildcard string) (string, bool)
	put func(now time.Time, wildcard, value string, ev *Event) bool
}

func (p *Plug) v2Patterns() []string {
	// internal::list is push_front: latest registration first.
	pats := []string{"voltage", "current", "power", "lock/+", "relay/+", "relay", "rpc", "list"}
	for i := range pats {
		pats[i] = "/api/" + pats[i]
	}
	return pats
}

func (p *Plug) v2Endpoint(name string) (v2Basic, string, bool) {
	if rest, ok := strings.CutPrefix(name, "relay/"); ok && !strings.Contains(rest, "/") {
		return v2Basic{
			get: func(_ time.Time, w string) (string, bool) {
				id, ok := p.parseID(w)
				if !ok {
					return "", false
				}
				return p.relayValue(id), true
			},
			put: func(now time.Time, w, v string, ev *Event) bool {
				id, ok := p.parseID(w)
				if !ok {
					return false
				}
				return p.handlePayloadLocked(now, id, parsePayload(v, false), "http")
			},
		}, rest, true
	}
	if rest, ok := strings.CutPrefix(name, "lock/"); ok && !strings.Contains(rest, "/") {
		return v2Basic{
			get: func(_ time.Time, w string) (string, bool) {
				id, ok := p.parseID(w)
				if !ok {
					return "", false
				}
				return p.relays[id].lock.String(), true
			},
			put: func(now time.Time, w, v string, ev *Event) bool {
				id, ok := p.parseID(w)
				return ok && p.lockPayloadLocked(now, id, v)
			},
		}, rest, true
	}
	switch name {
	case "list":
		return v2Basic{get: func(time.Time, string) (string, bool) {
			return strings.Join(p.v2Patterns(), "\r\n") + "\r\n", true
		}}, "", true
	case "rpc":
		return v2Basic{put: func(_ time.Time, _, _ string, ev *Event) bool { return true }}, "", true
	}
	for _, m := range magnitudes {
		if name == m {
			return v2Basic{get: func(now time.Time, _ string) (string, bool) {
				return p.magnitudeLocked(now, m)
			}}, "", true
		}
	}
	return v2Basic{}, "", false
}

func (p *Plug) routeV2Locked(now time.Time, q *apiRequest, ev *Event) reply {
	notFound := reply{status: 404, closeConn: true}
	name, ok := strings.CutPrefix(q.r.URL.Path, "/api/")
	if !ok || !orTrue(p.cfg.APIEnabled) {
		return notFound
	}
	if name == "relay" {
		return p.v2RelayJSON(q, ev)
	}
	ep, wildcard, ok := p.v2Endpoint(name)
	if !ok {
		return notFound
	}
	switch q.r.Method {
	case http.MethodHead, http.MethodGet:
	case http.MethodPut:
		if !q.formCT {
			ev.Detail = "PUT without " + formType
			return notFound
		}
	default:
		return notFound
	}
	if !p.v2Auth(q) {
		return reply{status: 403}
	}
	ev.AuthOK = true
	if !accepts(q, "text/plain") {
		return reply{status: 406, ctype: "text/plain", body: "text/plain"}
	}
	if q.r.Method == http.MethodHead {
		return reply{status: 204}
	}

	value, hasValue := q.param("value")
	if hasValue && (q.isPut() || !orTrue(p.cfg.RestFul)) {
		if name == "rpc" {
			return p.v2RPC(q, ev)
		}
		if ep.put == nil {
			return p.v2AbortLocked(ev)
		}
		if !ep.put(now, wildcard, value, ev) {
			return reply{status: 500}
		}
		p.advanceLocked(now)
	} else if hasValue {
		ev.Detail = "value ignored: apiRestFul wants PUT"
	}
	if ep.get == nil {
		return p.v2AbortLocked(ev)
	}
	v, ok := ep.get(now, wildcard)
	if !ok {
		return reply{status: 500}
	}
	if v == "" {
		return reply{status: 204}
	}
	return text(v)
}

// v2AbortLocked: calling an empty std::function handler (GET /api/rpc,
// PUT with value= on a read-only path) throws bad_function_call, which an
// ESP8266 build without exceptions turns into abort(): the plug restarts,
// dropping the connection, and its relay comes back OFF.
func (p *Plug) v2AbortLocked(ev *Event) reply {
	ev.Detail = "no handler for this method: firmware abort, reboot"
	p.queueLocked(p.reboot)
	return reply{reset: true}
}

// v2RPC is /api/rpc: PUT action=reboot|heartbeat answers "OK", anything
// else "ERROR", both with 200.
func (p *Plug) v2RPC(q *apiRequest, ev *Event) reply {
	action, _ := q.param("action")
	switch action {
	case "reboot":
		ev.Detail = "rpc reboot"
		p.queueLocked(p.reboot)
	case "heartbeat":
		ev.Detail = "rpc heartbeat"
		p.heartbeatLocked()
	default:
		return reply{status: 200, ctype: "text/plain", body: "ERROR"}
	}
	return reply{status: 200, ctype: "text/plain", body: "OK"}
}

// v2RelayJSON is the JSON handler on /api/relay: it only takes requests
// whose key is right (else 404), GET/HEAD, and answers
// {"relayStatus":[...]} with the target statuses.
func (p *Plug) v2RelayJSON(q *apiRequest, ev *Event) reply {
	if !p.v2Auth(q) {
		return reply{status: 404, closeConn: true}
	}
	ev.AuthOK = true
	switch q.r.Method {
	case http.MethodHead, http.MethodGet:
	default:
		return reply{status: 404, closeConn: true}
	}
	if !accepts(q, "application/json") {
		return reply{status: 406, ctype: "text/plain", body: "application/json"}
	}
	if q.r.Method == http.MethodHead {
		return reply{status: 204}
	}
	var b strings.Builder
	b.WriteString(`{"relayStatus":[`)
	for i := range p.relays {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.relayValue(i))
	}
	b.WriteString("]}")
	return reply{status: 200, ctype: "application/json", body: b.String(), value: true}
}
