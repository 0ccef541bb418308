package espurna

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ParseRelay reads a relay answer: "0"/"1" as text (every firmware with Accept: text/plain),
// or legacy JSON {"relay/0": 1}. Anything else is malformed: never guessed.
func ParseRelay(body []byte, relay int) (bool, error) {
	s := strings.TrimSpace(string(body))
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	if strings.HasPrefix(s, "{") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err == nil {
			if v, ok := m[fmt.Sprintf("relay/%d", relay)]; ok {
				return ParseRelay([]byte(strings.Trim(string(v), `"`)), relay)
			}
		}
	}
	return false, fmt.Errorf("unexpected answer %s (want 0 or 1)", quote(s))
}

// ParsePower reads a power reading in watts: a plain number, possibly with a unit suffix.
func ParsePower(body []byte) (float64, error) {
	s := strings.TrimSpace(string(body))
	s = strings.TrimSpace(strings.TrimSuffix(s, "W"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("unexpected power reading %s", quote(string(body)))
	}
	return f, nil
}

// ParseData reads an ESPurna JSON-mode message (<root>/data): the relay states and the power
// reading it carries, if any.
func ParseData(body []byte) (relays map[int]bool, watts *float64, err error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, nil, fmt.Errorf("unexpected JSON data message %s", quote(string(body)))
	}
	relays = map[int]bool{}
	for k, v := range m {
		if n, ok := strings.CutPrefix(k, "relay/"); ok {
			id, ok := RelayID(n)
			if !ok {
				continue
			}
			b, err := ParseRelay([]byte(strings.Trim(string(v), `"`)), id)
			if err != nil {
				return nil, nil, err
			}
			relays[id] = b
		}
	}
	if v, ok := m["power"]; ok {
		w, err := ParsePower([]byte(strings.Trim(string(v), `"`)))
		if err != nil {
			return nil, nil, err
		}
		watts = &w
	}
	return relays, watts, nil
}

// quote shows a peer's answer briefly and safely in a one-line message.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
