package nfs

import (
	"regexp"
	"testing"
)

// The hand-written matchers accept what the regular expressions they replace (kept here, where
// linking regexp costs the agent nothing) accept.
var (
	clientRe = regexp.MustCompile(`^([^\s()]+)\(([^\s()]*)\)$`)
	optionRe = regexp.MustCompile(`^[a-z_]+(=[A-Za-z0-9_:.,/@-]+)?$`)
	fsidRe   = regexp.MustCompile(`^(root|[0-9]+|[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$`)
)

func lexAgrees(t *testing.T, s string) {
	t.Helper()
	host, options, ok := splitClient(s)
	want := clientRe.FindStringSubmatch(s)
	if ok != (want != nil) || ok && (host != want[1] || options != want[2]) {
		t.Errorf("splitClient(%q) = %q %q %v, the regexp says %q", s, host, options, ok, want)
	}
	if got, want := validOption(s), optionRe.MatchString(s); got != want {
		t.Errorf("validOption(%q) = %v, the regexp says %v", s, got, want)
	}
	if got, want := validFSID(s), fsidRe.MatchString(s); got != want {
		t.Errorf("validFSID(%q) = %v, the regexp says %v", s, got, want)
	}
}

func TestLexMatchesRegexps(t *testing.T) {
	for _, s := range []string{"", "a(b)", "a()", "(b)", "a(b", "a b(c)", "a(b c)", "a(b)(c)", "[::1](rw)", "a((b))",
		"a(b))", "rw", "fsid=1", "fsid=", "Rw", "sec=krb5:krb5i", "a=b=c", "_=/@", "root", "0", "123", "12a",
		"0123456789abcdef0123456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef", "01234567-89abcdef-0123-456789abcdef",
		"01234567-89ab-cdef-0123-456789abcde", "01234567--89ab-cdef-0123-456789abcdef", "-01234567-89ab-cdef-0123-456789abcdef",
		"01234567-89ab-cdef-0123-456789abcdef-", "0123456789abcdef0123456789abcdeg", "Root"} {
		lexAgrees(t, s)
	}
}

func FuzzLexMatchesRegexps(f *testing.F) {
	for _, s := range []string{"a(rw,fsid=1)", "01234567-89ab-cdef-0123-456789abcdef", "sec=sys"} {
		f.Add(s)
	}
	f.Fuzz(lexAgrees)
}
