package tape

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// minSecret is the shortest value redacted everywhere: replacing every "ab" in a tape would
// shred it. Shorter secrets stay, and the recording says so on stderr.
const minSecret = 4

// secretWords mark a parameter, variable, header or form field as holding a secret.
var secretWords = []string{"password", "passwd", "passphrase", "apikey", "api_key", "api-key", "secret", "token"}

// isSecretName reports a name that holds a secret. A *_script name holds the path of a program
// that prints one (fence agents' password_script): that path is no secret, its output is.
func isSecretName(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, "script") {
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secrets collects secret values during a recording, to redact them from the whole tape at the
// end: a secret learnt late (a password script's answer) is also scrubbed from earlier lines.
type secrets struct {
	mu    sync.Mutex
	vals  map[string]bool
	short []string // where too-short secrets came from
}

func newSecrets() *secrets { return &secrets{vals: map[string]bool{}} }

func (s *secrets) add(source, v string) {
	if v == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(v) < minSecret {
		if !slices.Contains(s.short, source) {
			s.short = append(s.short, source)
		}
		return
	}
	// The forms a value takes in a URL or form body, so "apikey=p%40ss" is scrubbed too.
	s.vals[v], s.vals[url.QueryEscape(v)], s.vals[url.PathEscape(v)] = true, true, true
}

// fromArgs takes every getopt spelling: --name=value, --name value, a unique prefix of a secret
// name (--pass=…), -p value, -pvalue and clusters such as -vpvalue (whatever follows a p in a
// cluster may be its value), and the user-info of any URL.
func (s *secrets) fromArgs(args []string) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		s.fromURL("an argument URL", a)
		switch {
		case strings.HasPrefix(a, "--"):
			name, v, ok := strings.Cut(a[2:], "=")
			if isSecretName(name) || isSecretPrefix(name) {
				if !ok {
					v = next
				}
				s.add("argument --"+name, v)
			}
		case strings.HasPrefix(a, "-"):
			if at := strings.IndexByte(a, 'p'); at > 0 {
				if v := a[at+1:]; v != "" {
					s.add("argument -p", v)
				} else {
					s.add("argument -p", next)
				}
			}
		}
	}
}

// isSecretPrefix: getopt takes a unique prefix of a long name, so --pass is --password.
func isSecretPrefix(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if len(n) >= 3 && strings.HasPrefix(w, n) {
			return true
		}
	}
	return false
}

// fromURL takes the user-info of a URL value (tcp://user:pw@broker), and its password alone.
func (s *secrets) fromURL(source, v string) {
	if info, pw, ok := sysio.URLUserInfo(v); ok {
		s.add(source, info)
		s.add(source, pw)
	}
}

func (s *secrets) fromEnv(env []string) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && isSecretName(k) {
			s.add("variable "+k, v)
		}
	}
}

// fromStdin takes the name=value lines fence agents read.
func (s *secrets) fromStdin(stdin string) {
	for _, line := range strings.Split(stdin, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if isSecretName(strings.TrimSpace(k)) {
			s.add("stdin "+strings.TrimSpace(k), strings.TrimSpace(v))
		}
		s.fromURL("stdin "+strings.TrimSpace(k), strings.TrimSpace(v))
	}
}

func (s *secrets) fromRequest(r sysio.HTTPRequest) {
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if lk == "authorization" || lk == "proxy-authorization" || isSecretName(k) {
			s.add("header "+k, v)
			if _, cred, ok := strings.Cut(v, " "); ok { // "Basic …", "Bearer …"
				s.add("header "+k, cred)
			}
		}
	}
	if u, err := url.Parse(r.URL); err == nil {
		s.fromForm("query", u.Query())
	}
	if !isBinary(string(r.Body)) {
		if form, err := url.ParseQuery(string(r.Body)); err == nil {
			s.fromForm("form", form)
		}
	}
}

func (s *secrets) fromForm(where string, form url.Values) {
	for k, vs := range form {
		if isSecretName(k) {
			for _, v := range vs {
				s.add(fmt.Sprintf("%s parameter %s", where, k), v)
			}
		}
	}
}

// replacer returns what turns every secret value into Redacted, and warnings about the secrets
// too short to redact.
func (s *secrets) replacer() (*strings.Replacer, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var warnings []string
	for _, src := range s.short {
		warnings = append(warnings, fmt.Sprintf("the secret from %s is shorter than %d characters and was left unredacted in the tape", src, minSecret))
	}
	vals := make([]string, 0, len(s.vals))
	for v := range s.vals {
		vals = append(vals, v)
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(vals, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, Redacted)
	}
	return strings.NewReplacer(pairs...), warnings
}

// redactTape applies r to every value in t: invocation, exchanges and outcome.
func redactTape(t *Tape, r *strings.Replacer) {
	all := func(xs []string) {
		for i := range xs {
			xs[i] = r.Replace(xs[i])
		}
	}
	all(t.Args)
	all(t.Env)
	all(t.Notes)
	t.Stdin = r.Replace(t.Stdin)
	for i := range t.Exchanges {
		e := &t.Exchanges[i]
		e.Channel = r.Replace(e.Channel)
		for _, fs := range [][]Field{e.Ask, e.Answer} {
			for _, fl := range fs {
				all(fl.Args)
			}
		}
	}
	t.Outcome.Stdout = r.Replace(t.Outcome.Stdout)
	t.Outcome.Reason = r.Replace(t.Outcome.Reason)
}
