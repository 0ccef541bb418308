package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// fence-agents parses with gnu_getopt: a stray word does not end option parsing, so the action
// given after it is the action run, never the default reboot (the reported command line).
func TestArgvStrayWordKeepsTheAction(t *testing.T) {
	p, ip, port := httpPlug(t, plug.Config{Dialect: plug.V2, InitialOn: true})
	// The reported line, with this test's plug: fence_espurna -n 127.0.0.77 -u 18080 --apikey=K stray -o status
	r := runArgv(t, "-n", ip, "-u", port, "--apikey="+testKey, "stray", "-o", "status")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Status: ON")
	require.True(t, p.Powered(0))
	for _, ev := range p.Timeline() {
		require.NotEqual(t, plug.EvSwitch, ev.Kind, "the plug was switched: %v", ev)
	}
}

// secretRuns are every spelling of every secret option, on paths that succeed and that fail
// before, during and after parsing; each is run with debug output to stderr and a debug_file
// (the flight recorder and syslog get the same scrubbed lines) and recorded on a tape.
func secretRuns(ip, port, broker string) map[string][]string {
	k := testKey
	return map[string][]string{
		"--apikey=K":           {"-o", "status", "-n", "0", "-a", ip, "-u", port, "--apikey=" + k, "-v"},
		"--apikey K":           {"-o", "status", "-n", "0", "-a", ip, "-u", port, "--apikey", k, "-v"},
		"-pK":                  {"-o", "status", "-n", "0", "-a", ip, "-u", port, "-p" + k, "-v"},
		"-p K":                 {"-o", "status", "-n", "0", "-a", ip, "-u", port, "-p", k, "-v"},
		"-vpK":                 {"-o", "status", "-n", "0", "-a", ip, "-u", port, "-vp" + k},
		"-vpK wrong key":       {"-o", "status", "-n", "0", "-a", ip, "-u", port, "-vp" + k + "X"},
		"stray then --apikey":  {"stray", "--apikey=" + k, "-x"},
		"unknown then -pK":     {"--bogus", "-p" + k},
		"unknown cluster":      {"-Zp" + k},
		"missing arg after -p": {"-o", "status", "-p"},
		"url user-info":        {"-o", "status", "-n", "plug1", "--transport=mqtt", "--mqtt-broker=tcp://fence:" + k + "@" + broker, "--shell-timeout=1"},
		"url user-info refused": {"-o", "status", "-n", "plug1", "--transport=mqtt", "--mqtt-broker=tcp://fence:" + k + "@127.0.0.1:1",
			"--shell-timeout=1"},
	}
}

func TestNoSecretInAnyOutput(t *testing.T) {
	_, ip, port := httpPlug(t, plug.Config{Dialect: plug.V2, InitialOn: true})
	b := broker(t, mosquitto.Options{})
	host := strings.TrimPrefix(b.URL, "tcp://")
	stdinRuns := map[string][]string{
		"stdin apikey":   {"action=status", "port=0", "ip=" + ip, "ipport=" + port, "apikey=" + testKey, "verbose=1"},
		"stdin password": {"action=status", "port=0", "ip=" + ip, "ipport=" + port, "password=" + testKey, "verbose=1"},
		"stdin bad opt":  {"action=status", "port=0", "unknown_secretish=" + testKey, "apikey=" + testKey + "X", "ip=" + ip, "ipport=" + port},
		"stdin url":      {"action=status", "port=plug1", "transport=mqtt", "mqtt_broker=tcp://fence:" + testKey + "@" + host, "shell_timeout=1", "verbose=1"},
	}
	check := func(name string, args []string, stdin string) {
		dir := t.TempDir()
		debug := filepath.Join(dir, "debug.log")
		tp := filepath.Join(dir, "run.tape")
		var out, errb bytes.Buffer
		argv := append([]string{"fence_espurna"}, args...)
		if stdin != "" {
			stdin += "debug_file=" + debug + "\n"
		} else {
			argv = append(argv, "--debug-file="+debug)
		}
		p := &sysio.Proc{Args: argv, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, World: realWorld()}
		tape.Record(p, func(tt *tape.Tape) error {
			var b bytes.Buffer
			if err := tt.Write(&b); err != nil {
				return err
			}
			return os.WriteFile(tp, b.Bytes(), 0o600)
		})
		code := p.Finish(fence.Run(agent, p))
		logged, _ := os.ReadFile(debug)
		recorded, _ := os.ReadFile(tp)
		for what, text := range map[string]string{"stdout": out.String(), "stderr": errb.String(), "debug_file": string(logged), "tape": string(recorded)} {
			require.NotContains(t, text, testKey, "%s (exit %d): the secret is in %s:\n%s", name, code, what, text)
			require.NotContains(t, text, "fence:", "%s: URL user-info is in %s:\n%s", name, what, text)
		}
	}
	for name, args := range secretRuns(ip, port, host) {
		check(name, args, "")
	}
	for name, lines := range stdinRuns {
		check(name, nil, strings.Join(lines, "\n")+"\n")
	}
}

// A peer that echoes our request (a proxy's error page, a captive portal, a broken firmware)
// hands the API key back in the forms it travelled in: URL-escaped, and cut short where an
// error quotes the answer briefly. No form of it, not even a piece, reaches any output.
func TestNoSecretEchoedByThePeer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	dir := t.TempDir()
	debug := filepath.Join(dir, "debug.log")
	for _, tc := range []struct{ key, dialect string }{
		{`s3cr+t/k"y é&z=1`, "legacy"}, {`s3cr+t/k"y é&z=1`, "rest"}, // echoed past the quote's cut
		{`k+y/z"1`, "legacy"}, // echoed whole
	} {
		key, dialect := tc.key, tc.dialect
		r := run(t, nil, "action=off", "plug=0", "ip="+host, "ipport="+port, "api_version="+dialect,
			"apikey="+key, "verbose=1", "debug_file="+debug)
		require.Equal(t, 1, r.code, r.stderr)
		logged, _ := os.ReadFile(debug)
		for what, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "debug_file": string(logged)} {
			for _, form := range []string{key, url.QueryEscape(key), url.PathEscape(key), strconv.Quote(key)[1:6], url.QueryEscape(key)[:6]} {
				require.NotContains(t, text, form, "%s: the key is in %s:\n%s", dialect, what, text)
			}
		}
	}
}

// Integers outside what they can mean are bad input, refused before any device IO by every
// action (validate-all too), never a transport error later that echoes the request URL.
func TestOutOfRangeIntegersRefused(t *testing.T) {
	for _, kv := range []string{"ipport=-1", "ipport=0", "ipport=70000", "retry_on=-1", "power_off_threshold=-1"} {
		for _, action := range []string{"validate-all", "status"} {
			r := run(t, nil, "action="+action, "plug=127.0.0.1", "api_version=legacy", "apikey=a+b/c", kv)
			require.Equal(t, 1, r.code, "%s %s: %v", action, kv, r)
			require.Len(t, strings.Split(strings.TrimSpace(r.stderr), "\n"), 1, "%s %s: one line: %s", action, kv, r.stderr)
			require.Contains(t, r.stderr, "out of range", "%s %s", action, kv)
		}
	}
}

// A password may hold '@' unescaped: the URL's user-info ends at the last '@' (as net/url and
// paho read it), so no piece of the password after an earlier '@' is printed as the host, in
// the output or on the tape.
func TestBrokerPasswordWithAt(t *testing.T) {
	for _, extra := range []string{"", "/"} {
		broker := "tcp://fence:pa@ssw0rdXY@127.0.0.1:1" + extra
		var out, errb bytes.Buffer
		var recorded bytes.Buffer
		p := &sysio.Proc{Args: []string{"fence_espurna", "-o", "status", "-n", "p1", "--transport=mqtt", "--mqtt-broker=" + broker, "--shell-timeout=1"},
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, World: realWorld()}
		tape.Record(p, func(tt *tape.Tape) error { return tt.Write(&recorded) })
		code := p.Finish(fence.Run(agent, p))
		require.Equal(t, 1, code, errb.String())
		for what, text := range map[string]string{"output": out.String() + errb.String(), "tape": recorded.String()} {
			require.NotContains(t, text, "ssw0rdXY", "a piece of the password is in the %s:\n%s", what, text)
		}
		require.Contains(t, errb.String(), "127.0.0.1:1", "the broker is still named")
	}
}
