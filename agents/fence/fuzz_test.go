package fence

// In-package tests: the parsers directly (fuzz targets and a few cases that are easier to see
// here than through the binary).

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzAgent declares what a typical power-switch agent declares.
var fuzzAgent = &Agent{
	Name: "fence_fuzz", Short: "fuzz", Long: "fuzz", Version: "0",
	Options: []string{"ip", "ipport", "plug", "username", "password", "password_script", "ssl"},
	Params: []param.Param{
		{Name: "state_file", ValueName: "path", Short: "x"},
		{Name: "flag", Kind: param.Boolean, Short: "x"},
		{Name: "count", Kind: param.Integer, ValueName: "n", Short: "x"},
		{Name: "mode", Kind: param.Select, Choices: []string{"a", "b"}, ValueName: "m", Short: "x"},
	},
	Open: func(context.Context, *Request) (Device, error) { panic("not for fuzzing") },
}

func declared(decls []param.Param) map[string]bool {
	m := map[string]bool{}
	for _, d := range decls {
		m[d.Name] = true
	}
	return m
}

func FuzzStdin(f *testing.F) {
	for _, seed := range []string{
		"action=off\nport=1\n",
		"# comment\n\n  action=\"status\"  \nplug=1,2\nplug_separator=,\n",
		"ipaddr=1.2.3.4\nlogin=a\npasswd=b\npasswd_script=/bin/echo x\ndebug=/tmp/x\n",
		"ssl=maybe\nflag=\nverbose=1\nverbose_level=3\nnodename=n1\n",
		"junk\n=\n==\n\"\n\"\"\n=\"\"\nkey=\"\n",
		"power-timeout=1\nstonith-status-sleep=0.2\r\naction=reboot\r\n",
		strings.Repeat("a", 70000) + "=1\nport=2\n",
		"\x00=\x00\nport=\xff\xfe\n",
	} {
		f.Add([]byte(seed))
	}
	decls := fuzzAgent.declare()
	known := declared(decls)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, _ := parseStdin(bytes.NewReader(data), decls)
		for k := range in.raw {
			if !known[k] {
				t.Fatalf("parseStdin produced undeclared key %q", k)
			}
		}
		for _, w := range in.warnings {
			if strings.Contains(w, "\n") {
				t.Fatalf("multi-line warning %q", w)
			}
		}
		// What the parser accepted must be safe to hand to the checker.
		_, _, _ = param.Parse(decls, in.raw)
	})
}

func FuzzArgs(f *testing.F) {
	for _, seed := range []string{
		"-o\x00status\x00-n\x001",
		"--action=status\x00--plug\x001",
		"-vvv",
		"-x",
		"-o",
		"--plug",
		"--\x00-o\x00off",
		"-\x00---\x00--=\x00-=x",
		"-ostatus",
		"--ssl=maybe\x00--flag=1\x00-z\x00-q",
		"--verbose-level=-1\x00-h\x00-V",
		"--mode\x00c\x00extra\x00args",
	} {
		f.Add(seed)
	}
	decls := fuzzAgent.declare()
	known := declared(decls)
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		in, err := parseArgs(args, decls)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") && utf8.ValidString(s) && !strings.Contains(s, "\n") {
				t.Fatalf("multi-line usage error %q", msg)
			}
			return
		}
		for k := range in.raw {
			if !known[k] {
				t.Fatalf("parseArgs produced undeclared key %q", k)
			}
		}
		_, _, _ = param.Parse(decls, in.raw)
	})
}

func TestParseStdinDirect(t *testing.T) {
	decls := fuzzAgent.declare()
	in, err := parseStdin(strings.NewReader("port=1\nflag=bogus\nflag=yes\nverbose=1\nsecretkey=s3cr3t\nnodename=n\n"), decls)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"plug": "1", "flag": "1", "verbose": "1", "verbose_level": "1"}, in.raw)
	assert.Equal(t, "n", in.nodename)
	assert.Equal(t, []string{"s3cr3t"}, in.secrets, "an unknown option's value is redacted, the target's name is not")
	require.Len(t, in.warnings, 2)
	assert.Contains(t, in.warnings[0], "'flag'")
	assert.Contains(t, in.warnings[1], "'secretkey'")
	assert.NotContains(t, strings.Join(in.warnings, "|"), "s3cr3t")

	// Pacemaker sends no trailing newline on its last line sometimes; CRLF from hand-made files.
	in, err = parseStdin(strings.NewReader("action=off\r\nport=2"), decls)
	require.NoError(t, err)
	assert.Equal(t, "off", in.raw["action"])
	assert.Equal(t, "2", in.raw["plug"])
}

func TestParseArgsDirect(t *testing.T) {
	decls := fuzzAgent.declare()
	in, err := parseArgs([]string{"-o", "off", "-n", "1,2", "-vvv", "--ssl", "--flag", "--count=3"}, decls)
	require.NoError(t, err)
	assert.Equal(t, "off", in.raw["action"])
	assert.Equal(t, "1,2", in.raw["plug"])
	assert.Equal(t, "1", in.raw["ssl"])
	assert.Equal(t, "1", in.raw["flag"])
	assert.Equal(t, "3", in.raw["count"])
	assert.Equal(t, 3, in.verbose)
	assert.Equal(t, "3", in.raw["verbose_level"])

	_, err = parseArgs([]string{"--bogus"}, decls)
	require.Error(t, err)
	assert.Equal(t, "Parser error: option --bogus is not recognized", err.Error())
	_, err = parseArgs([]string{"-o"}, decls)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "requires an argument")
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"/bin/echo", []string{"/bin/echo"}, false},
		{"  /bin/echo   a\tb  ", []string{"/bin/echo", "a", "b"}, false},
		{`/bin/echo "a b" 'c d'`, []string{"/bin/echo", "a b", "c d"}, false},
		{`/bin/echo a\ b`, []string{"/bin/echo", "a b"}, false},
		{`/bin/echo '$HOME;x' "\"q\""`, []string{"/bin/echo", "$HOME;x", `"q"`}, false},
		{`/bin/echo ''`, []string{"/bin/echo", ""}, false},
		{`/bin/echo 'it''s'`, []string{"/bin/echo", "its"}, false},
		{`/bin/echo "a`, nil, true},
		{`/bin/echo a\`, nil, true},
		{"", nil, false},
	} {
		got, err := splitWords(tc.in)
		if tc.err {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}
