package plug

import (
	"strconv"
	"strings"
	"time"
)

// Legacy (<= 1.13.2) and Rest (1.13.3 - 1.14.x) share api.ino: one catch-all
// callback matching /api/<key> against registered keys, apikey as a
// parameter (query, or form body for PUT), JSON only for an Accept header
// that is exactly "application/json".

// classicKeys are the registered API keys, in registration order.
func (p *Plug) classicKeys() []string {
	keys := make([]string, 0, len(p.relays)+len(magnitudes))
	for i := range p.relays {
		keys = append(keys, "relay/"+strconv.Itoa(i))
	}
	return append(keys, magnitudes...)
}

// classicAuth is _authAPI(). 1.14 also refuses an empty key; 1.13.2 lets
// "apikey=" through when no key is configured.
func (p *Plug) classicAuth(q *apiRequest) bool {
	if !orTrue(p.cfg.APIEnabled) {
		return false
	}
	if p.cfg.Dialect == Rest && p.cfg.APIKey == "" {
		return false
	}
	v, ok := q.param("apikey")
	return ok && v == p.cfg.APIKey
}

// The firmware sends 403, returns "not handled", then its not-found path
// also sends 404 and closes the socket; the client sees the 403.
var classicForbidden = reply{status: 403, closeConn: true}
var classicNotFound = reply{status: 404, closeConn: true}

func (p *Plug) routeClassicLocked(now time.Time, q *apiRequest, ev *Event) reply {
	path := q.r.URL.Path
	switch {
	case path == "/api" || path == "/apis":
		if !p.classicAuth(q) {
			return classicForbidden
		}
		ev.AuthOK = true
		return p.classicList(q)
	case path == "/rpc":
		if !p.classicAuth(q) {
			return classicForbidden
		}
		ev.AuthOK = true
		if q.query.Get("action") == "reboot" {
			ev.Detail = "rpc reboot"
			p.queueLocked(p.reboot)
			return reply{status: 200}
		}
		return reply{status: 404}
	case !strings.HasPrefix(path, "/api/"):
		return classicNotFound
	}

	key := strings.TrimPrefix(path, "/api/")
	id, isRelay := -1, false
	if s, ok := strings.CutPrefix(key, "relay/"); ok {
		if n, ok := p.parseID(s); ok && strconv.Itoa(n) == s {
			id, isRelay = n, true
		}
	}
	if !isRelay {
		if _, ok := p.magnitudeLocked(now, key); !ok {
			return classicNotFound
		}
	}
	if !p.classicAuth(q) {
		return classicForbidden
	}
	ev.AuthOK = true

	if !isRelay {
		v, _ := p.magnitudeLocked(now, key)
		return classicValue(q, key, v)
	}
	if v, ok := q.param("value"); ok {
		switch {
		case p.cfg.Dialect == Rest && orTrue(p.cfg.RestFul) && !q.isPut():
			ev.Detail = "value ignored: apiRestFul wants PUT"
		case parsePayload(v, true) == psUnknown:
			ev.Detail = "bad payload ignored"
		default:
			p.handlePayloadLocked(now, id, parsePayload(v, true), "http")
		}
	}
	p.advanceLocked(now)
	return classicValue(q, key, p.relayValue(id))
}

func wantsExactJSON(q *apiRequest) bool { return q.r.Header.Get("Accept") == "application/json" }

// classicValue formats like api.ino: "{ \"relay/0\": 1 }" (with its blanks).
func classicValue(q *apiRequest, key, v string) reply {
	if !wantsExactJSON(q) {
		return text(v)
	}
	if !isNumber(v) {
		v = strconv.Quote(v)
	}
	return reply{status: 200, ctype: "application/json", body: "{ \"" + key + "\": " + v + " }", value: true}
}

func (p *Plug) classicList(q *apiRequest) reply {
	var b strings.Builder
	if wantsExactJSON(q) {
		b.WriteByte('{')
		for i, k := range p.classicKeys() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k) + ":" + strconv.Quote("/api/"+k))
		}
		b.WriteByte('}')
		return reply{status: 200, ctype: "application/json", body: b.String()}
	}
	for _, k := range p.classicKeys() {
		b.WriteString(k + " -> /api/" + k + "\n")
	}
	return reply{status: 200, ctype: "text/plain", body: b.String()}
}

// isNumber is ESPurna's isNumber(): digits with at most one dot, optional
// leading minus.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}
