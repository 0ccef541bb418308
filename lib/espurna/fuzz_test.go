package espurna

import (
	"strings"
	"testing"
)

// Device answers are untrusted input: no body may panic a parser or parse as a state it is not.
func FuzzParseRelay(f *testing.F) {
	for _, s := range []string{"0", "1", " 1\n", `{ "relay/0": 1 }`, `{"relay/0":"0"}`, "garbage", "{", ""} {
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, body []byte, relay int) {
		on, err := ParseRelay(body, relay)
		if err == nil && on && string(body) == "0" {
			t.Fatal("0 parsed as on")
		}
	})
}

func FuzzParsePower(f *testing.F) {
	for _, s := range []string{"0", "12.5", "80 W", "NaN", "-1", "1e309", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if w, err := ParsePower(body); err == nil && (w < 0 || w != w) {
			t.Fatalf("accepted impossible reading %v", w)
		}
	})
}

func FuzzParseData(f *testing.F) {
	for _, s := range []string{`{"relay/0":"1","power":"80"}`, `{"relay/x":1}`, `[]`, `{"power":"NaN"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { _, _, _ = ParseData(body) })
}

func FuzzParsePlug(f *testing.F) {
	for _, s := range []string{"plug1.lan", "plug1.lan:1", "[fd00::5]:0", "3", "10.0.0.1:99", "a:b:c", "[", "http://x/"} {
		f.Add(s, "10.0.0.100", false)
	}
	f.Fuzz(func(t *testing.T, s, ip string, offset bool) {
		p, err := ParsePlug(s, ip, offset)
		if err == nil && (p.Relay < 0 || p.Relay > maxRelay || !validHost(p.Host)) {
			t.Fatalf("%q parsed to invalid %+v", s, p)
		}
	})
}

// Taking the echoed key out of a malformed answer never makes it an answer.
func TestAnswerEditedNeverValid(t *testing.T) {
	h := &HTTP{APIKey: `k"y`}
	_, err := answer(h, []byte(`{"relay/0": 0, "x": "k"y"}`), func(b []byte) (bool, error) { return ParseRelay(b, 0) })
	if err == nil || strings.Contains(err.Error(), `k"y`) {
		t.Fatalf("answer = %v, want a malformed-answer error without the key", err)
	}
}
