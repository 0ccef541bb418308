package tape

import "strings"

// The tape's small grammars, matched by hand: every agent links this package, and a binary
// that links regexp pays for it at every start (regexp/syntax and the unicode tables it keeps
// alive), whether or not a tape is asked for.

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isUpper(c) || c >= 'a' && c <= 'z' }

// every reports a non-empty s made only of bytes ok accepts.
func every(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}

// validKey: [A-Za-z][A-Za-z0-9_.-]*.
func validKey(s string) bool {
	return s != "" && isLetter(s[0]) && (len(s) == 1 || every(s[1:], func(c byte) bool {
		return isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-'
	}))
}

// isMethod: [A-Z]+, an HTTP method as tapes write it.
func isMethod(s string) bool { return every(s, isUpper) }

// isWord: one or more bytes, none of them white space (regexp's \S+).
func isWord(s string) bool { return s != "" && !strings.ContainsAny(s, " \t\n\f\r") }

// httpChannelOK: "http " and a word.
func httpChannelOK(ch string) bool {
	rest, ok := strings.CutPrefix(ch, "http ")
	return ok && isWord(rest)
}

// dialChannelOK: "dial tcp|udp " and a word.
func dialChannelOK(ch string) bool {
	rest, ok := strings.CutPrefix(ch, "dial ")
	network, addr, _ := strings.Cut(rest, " ")
	return ok && (network == "tcp" || network == "udp") && isWord(addr)
}

// mqttChannelBroker parses "mqtt BROKER #N" (N from 1, no leading zero) and returns BROKER.
func mqttChannelBroker(ch string) (string, bool) {
	rest, ok := strings.CutPrefix(ch, "mqtt ")
	broker, n, _ := strings.Cut(rest, " ")
	n, hash := strings.CutPrefix(n, "#")
	if !ok || !hash || !isWord(broker) || !every(n, isDigit) || n[0] == '0' {
		return "", false
	}
	return broker, true
}

// isMajMin: MAJOR:MINOR in decimal.
func isMajMin(s string) bool {
	major, minor, ok := strings.Cut(s, ":")
	return ok && every(major, isDigit) && every(minor, isDigit)
}

// isOctalMode: 0 and three or four octal digits (0644, 01777).
func isOctalMode(s string) bool {
	return (len(s) == 4 || len(s) == 5) && s[0] == '0' && every(s[1:], func(c byte) bool { return c >= '0' && c <= '7' })
}

// splitDur parses seconds with up to three decimals and an s (5s, 0.012s) into its digits.
func splitDur(s string) (secs, frac string, ok bool) {
	num, ok := strings.CutSuffix(s, "s")
	secs, frac, dot := strings.Cut(num, ".")
	if !ok || !every(secs, isDigit) || dot && (len(frac) > 3 || !every(frac, isDigit)) {
		return "", "", false
	}
	return secs, frac, true
}

// splitAt parses an offset with exactly three decimals (+0.012s) into its digits.
func splitAt(s string) (secs, frac string, ok bool) {
	num, plus := strings.CutPrefix(s, "+")
	secs, frac, ok = splitDur(num)
	if !plus || !ok || len(frac) != 3 {
		return "", "", false
	}
	return secs, frac, true
}

// blockOpener parses "[base64 ]<<TAG[ noeol]", TAG being [A-Z][A-Z0-9]*.
func blockOpener(s string) (tag string, b64, noeol, ok bool) {
	s, b64 = strings.CutPrefix(s, "base64 ")
	s, ok = strings.CutPrefix(s, "<<")
	tag, suffix, spaced := strings.Cut(s, " ")
	if !ok || tag == "" || !isUpper(tag[0]) || !every(tag, func(c byte) bool { return isUpper(c) || isDigit(c) }) ||
		spaced && suffix != "noeol" {
		return "", false, false, false
	}
	return tag, b64, spaced, true
}

// wildMatch compares a tape value with the agent's. A Redacted in the tape matches any non-empty
// text: the agent was fed Redacted as its secret and may have encoded it on the way (URL
// escaping, base64 in an Authorization header).
func wildMatch(want, got string) bool {
	if !strings.Contains(want, Redacted) {
		return want == got
	}
	parts := strings.Split(want, Redacted)
	first, last := parts[0], parts[len(parts)-1]
	rest, ok := strings.CutPrefix(got, first)
	if !ok || len(rest) < len(last) || !strings.HasSuffix(rest, last) {
		return false
	}
	rest = rest[:len(rest)-len(last)]
	// What is left is gap, part, gap, ..., gap, each gap at least one byte: the leftmost place
	// for each part leaves the most room for the others.
	for _, p := range parts[1 : len(parts)-1] {
		if rest == "" {
			return false
		}
		i := strings.Index(rest[1:], p)
		if i < 0 {
			return false
		}
		rest = rest[1+i+len(p):]
	}
	return rest != ""
}
