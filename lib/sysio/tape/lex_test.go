package tape

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written matchers accept exactly what the regular expressions they replace (kept
// here, where linking regexp costs no agent anything) accept, on tricky inputs and fuzzed ones.
var lexRegexps = map[string]*regexp.Regexp{
	"key":    regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`),
	"method": regexp.MustCompile(`^[A-Z]+$`),
	"http":   regexp.MustCompile(`^http \S+$`),
	"dial":   regexp.MustCompile(`^dial (tcp|udp) \S+$`),
	"mqtt":   regexp.MustCompile(`^mqtt (\S+) #[1-9][0-9]*$`),
	"majmin": regexp.MustCompile(`^[0-9]+:[0-9]+$`),
	"octal":  regexp.MustCompile(`^0[0-7]{3,4}$`),
	"dur":    regexp.MustCompile(`^([0-9]+)(?:\.([0-9]{1,3}))?s$`),
	"at":     regexp.MustCompile(`^\+([0-9]+)\.([0-9]{3})s$`),
	"block":  regexp.MustCompile(`^(base64 )?<<([A-Z][A-Z0-9]*)( noeol)?$`),
}

func lexAgrees(t *testing.T, s string) {
	t.Helper()
	got := map[string]string{
		"key": bstr(validKey(s)), "method": bstr(isMethod(s)), "http": bstr(httpChannelOK(s)),
		"dial": bstr(dialChannelOK(s)), "majmin": bstr(isMajMin(s)), "octal": bstr(isOctalMode(s)),
	}
	if b, ok := mqttChannelBroker(s); ok {
		got["mqtt"] = "true " + b
	} else {
		got["mqtt"] = "false"
	}
	secs, frac, ok := splitDur(s)
	got["dur"] = bstr(ok) + " " + secs + " " + frac
	secs, frac, ok = splitAt(s)
	got["at"] = bstr(ok) + " " + secs + " " + frac
	tag, b64, noeol, ok := blockOpener(s)
	got["block"] = bstr(ok) + " " + tag + " " + bstr(b64) + " " + bstr(noeol)
	for name, re := range lexRegexps {
		m := re.FindStringSubmatch(s)
		want := bstr(m != nil)
		switch {
		case name == "mqtt" && m != nil:
			want += " " + m[1]
		case name == "dur" || name == "at":
			want += " " + at(m, 1) + " " + at(m, 2)
		case name == "block":
			want += " " + at(m, 2) + " " + bstr(at(m, 1) != "") + " " + bstr(at(m, 3) != "")
		}
		if got[name] != want {
			t.Errorf("%s(%q) = %s, the regexp says %s", name, s, got[name], want)
		}
	}
}

func bstr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func at(m []string, i int) string {
	if m == nil {
		return ""
	}
	return m[i]
}

func TestLexMatchesRegexps(t *testing.T) {
	for _, s := range []string{"", "a", "A9_.-", "9a", "a b", "GET", "get", "G3T", "http ", "http x", "http x y",
		"http x\t", "dial tcp 1:2", "dial udp x", "dial sctp x", "dial tcp ", "dial tcp a b", "mqtt tcp://b #1",
		"mqtt tcp://b #0", "mqtt tcp://b #10", "mqtt  #1", "mqtt a#b #2", "mqtt a b #2", "mqtt a #", "mqtt a #1 ",
		"8:1", "8:", ":1", "8:1:2", "0644", "01777", "0648", "064", "006444", "1644", "5s", "0.012s", "1.5s", "1.s",
		".5s", "1.2345s", "s", "+0.012s", "+1.5s", "0.012s", "+0.0123s", "<<EOF", "base64 <<EOF", "<<EOF noeol",
		"base64 <<E0F noeol", "<<eof", "<<", "<<EOF x", "base64  <<EOF", "<<9A", "<<EOF noeol "} {
		lexAgrees(t, s)
	}
}

func FuzzLexMatchesRegexps(f *testing.F) {
	for _, s := range []string{"mqtt tcp://b #1", "base64 <<EOF noeol", "+0.012s", "dial tcp 1:2", "01777"} {
		f.Add(s)
	}
	f.Fuzz(lexAgrees)
}

// wildMatch agrees with the regexp it replaces: each Redacted stands for one or more bytes.
func TestWildMatch(t *testing.T) {
	r := Redacted
	for _, c := range [][2]string{{"a" + r + "b", "axb"}, {"a" + r + "b", "ab"}, {r, ""}, {r, "x"}, {"k=" + r, "k=v"},
		{r + r, "x"}, {r + r, "xy"}, {"a" + r + "a" + r + "a", "aaaaa"}, {"a" + r + "a" + r + "a", "aaaa"},
		{"a" + r + "b" + r + "c", "axbxc"}, {"a" + r + "b" + r + "c", "abxc"}, {"x" + r + "yz" + r, "xayzyzb"},
		{"ab", "ab"}, {"ab", "abc"}, {"a" + r + "bc", "abcbc"}, {r + "b" + r, "bbb"}, {r + "b" + r, "bb"}} {
		parts := strings.Split(c[0], r)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		want := regexp.MustCompile(`(?s)^` + strings.Join(parts, `.+?`) + `$`).MatchString(c[1])
		if got := wildMatch(c[0], c[1]); got != want {
			t.Errorf("wildMatch(%q, %q) = %v, the regexp says %v", c[0], c[1], got, want)
		}
	}
}
