package nfs

import "strings"

// The exports' small grammars, matched by hand: a binary that links regexp pays for it at
// every start of the agent (regexp/syntax and the unicode tables it keeps alive).

// splitClient parses CLIENT(OPTIONS), neither part holding white space or parentheses.
func splitClient(spec string) (host, options string, ok bool) {
	host, rest, ok := strings.Cut(spec, "(")
	options, closed := strings.CutSuffix(rest, ")")
	const bad = " \t\n\f\r()"
	if !ok || !closed || host == "" || strings.ContainsAny(host, bad) || strings.ContainsAny(options, bad) {
		return "", "", false
	}
	return host, options, true
}

// validOption: NAME or NAME=VALUE, NAME of [a-z_], VALUE of [A-Za-z0-9_:.,/@-].
func validOption(o string) bool {
	name, value, eq := strings.Cut(o, "=")
	return every(name, func(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }) &&
		(!eq || every(value, func(c byte) bool {
			return isHex(c) || c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || strings.IndexByte("_:.,/@-", c) >= 0
		}))
}

// validFSID: root, a number, or a UUID (32 hex digits, dashes optional between 8-4-4-4-12).
func validFSID(id string) bool {
	if id == "root" || every(id, func(c byte) bool { return c >= '0' && c <= '9' }) {
		return true
	}
	for i, n := range []int{8, 4, 4, 4, 12} {
		if i > 0 {
			id = strings.TrimPrefix(id, "-")
		}
		if len(id) < n || !every(id[:n], isHex) {
			return false
		}
		id = id[n:]
	}
	return id == ""
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// every reports a non-empty s made only of bytes ok accepts.
func every(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}
