package plug

import (
	"net/url"
	"strings"
	"testing"
)

const key = "0123456789ABCDEF"

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// <= 1.13.2: GET with value= writes; JSON only for Accept exactly
// application/json; apikey for PUT only in the form body.
func TestLegacyDialect(t *testing.T) {
	// Many writes in a row: flood protection would postpone the 5th.
	p, base := servePlug(t, Config{Dialect: Legacy, APIKey: key, FloodChanges: -1})
	relay := base + "/api/relay/0"

	expect(t, do(t, "GET", relay+"?apikey="+key, nil, nil), 200, "0")
	expect(t, do(t, "GET", relay+"?apikey="+key+"&value=1", nil, nil), 200, "1")
	expectRelay(t, p, true, true)

	r := do(t, "GET", relay+"?apikey="+key, nil, map[string]string{"Accept": "application/json"})
	expect(t, r, 200, `{ "relay/0": 1 }`)
	if r.ctype != "application/json" {
		t.Fatalf("content type %q", r.ctype)
	}
	// Anything but the exact string gets text.
	expect(t, do(t, "GET", relay+"?apikey="+key, nil, map[string]string{"Accept": "application/json, */*"}), 200, "1")

	for _, v := range []string{"OFF", "on", "Toggle", "2", " off "} {
		do(t, "GET", relay+"?apikey="+key+"&value="+url.QueryEscape(v), nil, nil)
	}
	// off, on, toggle->off, toggle->on, off
	expectRelay(t, p, false, false)

	expect(t, do(t, "GET", relay+"?apikey="+key+"&value=bogus", nil, nil), 200, "0")
	expect(t, do(t, "GET", relay+"?apikey=wrong", nil, nil), 403, "")
	expect(t, do(t, "GET", relay, nil, nil), 403, "")
	expect(t, do(t, "GET", base+"/api/relay/1?apikey="+key, nil, nil), 404, "")

	// PUT reads parameters from the form body only.
	expect(t, do(t, "PUT", relay, form("apikey", key, "value", "1"), nil), 200, "1")
	expect(t, do(t, "PUT", relay+"?apikey="+key, form("value", "0"), nil), 403, "")
	expectRelay(t, p, true, true)

	r = do(t, "GET", base+"/apis?apikey="+key, nil, nil)
	if r.status != 200 || !strings.Contains(r.body, "relay/0 -> /api/relay/0\n") {
		t.Fatalf("listing: %d %q", r.status, r.body)
	}
}

func TestLegacyAPIDisabled(t *testing.T) {
	_, base := servePlug(t, Config{Dialect: Legacy, APIKey: key, APIEnabled: Bool(false)})
	expect(t, do(t, "GET", base+"/api/relay/0?apikey="+key, nil, nil), 403, "")
}

// 1.13.3 - 1.14.x: writes need PUT with value and apikey in the form body.
func TestRestDialect(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: Rest, APIKey: key, InitialOn: true})
	relay := base + "/api/relay/0"

	// The Isard agent's write: silently ignored, answers the status.
	expect(t, do(t, "GET", relay+"?apikey="+key+"&value=0", nil, map[string]string{"Accept": "application/json"}), 200, `{ "relay/0": 1 }`)
	expectRelay(t, p, true, true)
	e := waitEvent(t, p, "ignored write", func(e Event) bool { return e.Kind == EvHTTP && e.Method == "GET" })
	if !strings.Contains(e.Detail, "apiRestFul") || e.KeyIn != "query" || !e.AuthOK {
		t.Fatalf("event %v", e)
	}

	expect(t, do(t, "PUT", relay, form("value", "0", "apikey", key), nil), 200, "0")
	expectRelay(t, p, false, false)
	// apikey in the query of a PUT is not looked at.
	expect(t, do(t, "PUT", relay+"?apikey="+key, form("value", "1"), nil), 403, "")
	// Nor is the dev Api-Key header.
	expect(t, do(t, "PUT", relay, form("value", "1"), map[string]string{"Api-Key": key}), 403, "")
	expect(t, do(t, "PUT", base+"/api/relay/3", form("value", "1", "apikey", key), nil), 404, "")
	expect(t, do(t, "PUT", relay, form("value", "ON", "apikey", key), nil), 200, "1")
	expectRelay(t, p, true, true)

	for _, e := range p.Timeline() {
		if strings.Contains(e.String(), key) {
			t.Fatalf("timeline leaks the key: %v", e)
		}
	}
}

func TestRestNotRestFul(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: Rest, APIKey: key, RestFul: Bool(false)})
	expect(t, do(t, "GET", base+"/api/relay/0?apikey="+key+"&value=1", nil, nil), 200, "1")
	expectRelay(t, p, true, true)
}

func TestRestEmptyKeyRefused(t *testing.T) {
	_, base := servePlug(t, Config{Dialect: Rest})
	expect(t, do(t, "GET", base+"/api/relay/0?apikey=", nil, nil), 403, "")
	_, base = servePlug(t, Config{Dialect: Legacy})
	expect(t, do(t, "GET", base+"/api/relay/0?apikey=", nil, nil), 200, "0") // 1.13.2 lets it through
}

// 1.15.0-dev: Api-Key header or apikey, text/plain only, 406/500/204, and
// 404 for whatever no handler takes.
func TestV2Dialect(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, FloodChanges: -1})
	relay := base + "/api/relay/0"
	hk := map[string]string{"Api-Key": key}

	expect(t, do(t, "GET", relay, nil, hk), 200, "0")
	expect(t, do(t, "GET", relay+"?apikey="+key, nil, nil), 200, "0")
	expect(t, do(t, "GET", relay, nil, map[string]string{"Api-Key": key, "Accept": "*/*"}), 200, "0")
	expect(t, do(t, "GET", relay, nil, map[string]string{"Api-Key": key, "Accept": "application/json, text/plain"}), 200, "0")
	r := do(t, "GET", relay, nil, map[string]string{"Api-Key": key, "Accept": "application/json"})
	expect(t, r, 406, "text/plain")

	expect(t, do(t, "PUT", relay, form("value", "1"), hk), 200, "1")
	expectRelay(t, p, true, true)
	expect(t, do(t, "PUT", relay, form("value", "0", "apikey", key), nil), 200, "0")
	expect(t, do(t, "PUT", relay, form("value", "bogus"), hk), 500, "")
	expect(t, do(t, "PUT", relay, form("value", " on"), hk), 500, "") // dev parser does not trim
	expect(t, do(t, "GET", base+"/api/relay/7", nil, hk), 500, "")
	expect(t, do(t, "GET", base+"/api/relay/x", nil, hk), 500, "")
	expect(t, do(t, "GET", base+"/api/relay/0/x", nil, hk), 404, "")
	expect(t, do(t, "HEAD", relay, nil, hk), 204, "")

	// GET with value= is ignored while apiRestFul=1.
	expect(t, do(t, "GET", relay+"?value=1", nil, hk), 200, "0")
	expectRelay(t, p, false, false)

	expect(t, do(t, "GET", relay, nil, map[string]string{"Api-Key": "nope"}), 403, "")
	expect(t, do(t, "GET", relay, nil, nil), 403, "")
	// No handler takes POST, nor a PUT that is not form data: 404, not 405.
	expect(t, do(t, "POST", relay+"?value=1", nil, hk), 404, "")
	expect(t, do(t, "PUT", relay, nil, hk), 404, "")

	// Per-relay JSON is gone; /api/relay has it, but declines a bad key.
	jh := map[string]string{"Api-Key": key, "Accept": "application/json"}
	expect(t, do(t, "GET", base+"/api/relay", nil, jh), 200, `{"relayStatus":[0]}`)
	expect(t, do(t, "GET", base+"/api/relay", nil, map[string]string{"Accept": "application/json"}), 404, "")
	expect(t, do(t, "GET", base+"/api/relay", nil, map[string]string{"Api-Key": key, "Accept": "text/plain"}), 406, "application/json")

	r = do(t, "GET", base+"/api/list", nil, hk)
	if r.status != 200 || !strings.Contains(r.body, "/api/relay/+\r\n") {
		t.Fatalf("list: %d %q", r.status, r.body)
	}
	expect(t, do(t, "GET", base+"/api/lock/0", nil, hk), 200, "none")
}

func TestV2NotRestFulAndDisabled(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, RestFul: Bool(false)})
	expect(t, do(t, "GET", base+"/api/relay/0?value=on", nil, map[string]string{"Api-Key": key}), 200, "1")
	expectRelay(t, p, true, true)

	_, base = servePlug(t, Config{Dialect: V2, APIKey: key, APIEnabled: Bool(false)})
	expect(t, do(t, "GET", base+"/api/relay/0", nil, map[string]string{"Api-Key": key}), 404, "")
}

// The dev lock: writes answer 200 with the unchanged target.
func TestV2Lock(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, InitialOn: true})
	hk := map[string]string{"Api-Key": key}
	expect(t, do(t, "PUT", base+"/api/lock/0", form("value", "on"), hk), 200, "on")
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0"), hk), 200, "1")
	expectRelay(t, p, true, true)
	expect(t, do(t, "PUT", base+"/api/lock/0", form("value", "whatever"), hk), 200, "none") // anything else unlocks
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0"), hk), 200, "0")
	expectRelay(t, p, false, false)
}

func TestSensorAPI(t *testing.T) {
	_, base := servePlug(t, Config{Dialect: V2, APIKey: key, InitialOn: true, LoadWatts: 115})
	hk := map[string]string{"Api-Key": key}
	expect(t, do(t, "GET", base+"/api/power", nil, hk), 200, "115")
	expect(t, do(t, "GET", base+"/api/current", nil, hk), 200, "0.500")
	expect(t, do(t, "GET", base+"/api/voltage", nil, hk), 200, "230")

	_, base = servePlug(t, Config{Dialect: Rest, APIKey: key, LoadWatts: 115})
	expect(t, do(t, "GET", base+"/api/power?apikey="+key, nil, map[string]string{"Accept": "application/json"}), 200, `{ "power": 0 }`)
}
