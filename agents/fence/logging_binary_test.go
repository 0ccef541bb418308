package fence_test

// password_script, secrets in logs, verbose/quiet/debug_file and the flight recorder.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// passwordScript writes a script that prints out (exactly) and records its arguments, one per
// line, in <script>.args.
func passwordScript(t *testing.T, out string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "pw.sh")
	outFile := filepath.Join(dir, "pw.out")
	require.NoError(t, os.WriteFile(outFile, []byte(out), 0o600))
	src := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + p + ".args'\ncat '" + outFile + "'\n"
	require.NoError(t, os.WriteFile(p, []byte(src), 0o755))
	return p
}

func TestPasswordScript(t *testing.T) {
	t.Parallel()
	t.Run("output trimmed, replaces password", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		script := passwordScript(t, "scr1pt-secret \t\r\n\n")
		r := stdin(t, "action=status", d.Arg(), "port=1", "password=ignored-password", "password_script="+script)
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "scr1pt-secret", d.last(t).Password)
	})
	t.Run("no shell", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		script := passwordScript(t, "pw\n")
		pwned := filepath.Join(t.TempDir(), "pwned")
		r := stdin(t, "action=status", d.Arg(), "port=1",
			"password_script="+script+` "two words" $HOME;touch `+pwned+" `id` |cat")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "pw", d.last(t).Password)
		args, err := os.ReadFile(script + ".args")
		require.NoError(t, err)
		assert.Equal(t, "two words\n$HOME;touch\n"+pwned+"\n`id`\n|cat\n", string(args),
			"arguments are passed literally: no shell expansion, no command separators")
		assert.NoFileExists(t, pwned)
	})
	t.Run("argv -S", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		script := passwordScript(t, "argv-secret\n")
		r := argv(t, "-o", "status", "-n", "1", "-S", script, "--state-file", d.Path, "-vvv")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "argv-secret", d.last(t).Password)
		assert.NotContains(t, r.Stderr, "argv-secret")
	})
	t.Run("script fails", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		p := filepath.Join(dir, "fail.sh")
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\necho half-a-secret\nexit 3\n"), 0o755))
		d := newDevice(t, "1=on")
		r := stdin(t, "action=off", d.Arg(), "port=1", "password_script="+p, "verbose=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "exited with 3")
		assert.NotContains(t, r.Stderr, "half-a-secret")
		assert.Empty(t, d.read(t).Ops, "no device access without credentials")
	})
	t.Run("script missing", func(t *testing.T) {
		t.Parallel()
		r := stdin(t, "action=status", "port=1", "password_script=/nonexistent/pw.sh")
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "password_script")
	})
	t.Run("unbalanced quotes", func(t *testing.T) {
		t.Parallel()
		r := stdin(t, "action=status", "port=1", `password_script=/bin/echo "oops`)
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "password_script")
	})
}

// The test agent's leak_password knob logs the password at debug and info level and fails with it
// in the error: none of it may reach stderr or the debug file.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "Tr0ub4dor&3-secret"
	check := func(t *testing.T, r result, files ...string) {
		t.Helper()
		assert.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stderr, secret)
		assert.NotContains(t, r.Stdout, secret)
		assert.Contains(t, r.Stderr, "<redacted>", "the lines are there, the secret is not\n%s", r)
		assert.Contains(t, r.Stderr, "DEBUG: debug: logging in with password <redacted>")
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			assert.NotContains(t, string(b), secret)
			assert.Contains(t, string(b), "<redacted>")
		}
	}
	t.Run("password on stdin, verbose", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		dbg := filepath.Join(t.TempDir(), "debug.log")
		r := stdin(t, "action=off", d.Arg(), "port=1", "passwd="+secret, "leak_password=1", "verbose=1", "debug_file="+dbg)
		check(t, r, dbg)
	})
	t.Run("password on stdin, not verbose (flight recorder dump)", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=off", d.Arg(), "port=1", "password="+secret, "leak_password=1")
		check(t, r)
	})
	t.Run("password on argv, -vvv", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "off", "-n", "1", "-p", secret, "--leak-password", "--state-file", d.Path, "-vvv")
		check(t, r)
	})
	t.Run("password from script, -v", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		script := passwordScript(t, secret+"\n")
		r := argv(t, "-o", "off", "-n", "1", "-S", script, "--leak-password", "--state-file", d.Path, "-v")
		check(t, r)
	})
	t.Run("invalid value of a secret", func(t *testing.T) {
		t.Parallel()
		// A secret is checked like any string; make sure a parse-level failure elsewhere does
		// not echo it either.
		r := stdin(t, "action=off", "port=1", "password="+secret, "power_timeout=x", "verbose=1")
		assert.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stderr, secret)
	})
}

func TestVerboseQuietDebugFile(t *testing.T) {
	t.Parallel()
	t.Run("quiet: nothing on stderr", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=status", d.Arg(), "port=1", "status_error=1", "quiet=1", "bogus=1", "verbose=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Empty(t, r.Stderr)
		r = argv(t, "-q", "-o", "status", "-n", "1", "--state-file", d.Path, "--status-error=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Empty(t, r.Stderr)
	})
	t.Run("quiet with debug_file: the file still gets everything", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		dbg := filepath.Join(t.TempDir(), "debug.log")
		r := stdin(t, "action=status", d.Arg(), "port=1", "status_error=1", "quiet=1", "verbose=1", "debug_file="+dbg)
		assert.Equal(t, 1, r.Code, r)
		assert.Empty(t, r.Stderr)
		b, err := os.ReadFile(dbg)
		require.NoError(t, err)
		assert.Contains(t, string(b), "DEBUG: plug 1: status")
		assert.Contains(t, string(b), "ERROR: Failed: plug 1: status read failed")
	})
	t.Run("debug_file with -v gets debug lines", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		dbg := filepath.Join(t.TempDir(), "debug.log")
		r := argv(t, "-o", "off", "-n", "1", "--state-file", d.Path, "-v", "-D", dbg)
		require.Equal(t, 0, r.Code, r)
		b, err := os.ReadFile(dbg)
		require.NoError(t, err)
		assert.Contains(t, string(b), "DEBUG: plug 1: switching OFF")
		assert.Contains(t, string(b), "DEBUG: plug 1: status OFF")
	})
	t.Run("debug_file without verbose: debug lines only on failure", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		ok := filepath.Join(t.TempDir(), "ok.log")
		r := stdin(t, "action=status", d.Arg(), "port=1", "debug_file="+ok)
		require.Equal(t, 0, r.Code, r)
		b, _ := os.ReadFile(ok)
		assert.NotContains(t, string(b), "DEBUG")
		bad := filepath.Join(t.TempDir(), "bad.log")
		r = stdin(t, "action=status", d.Arg(), "port=1", "status_error=1", "debug_file="+bad)
		require.Equal(t, 1, r.Code, r)
		b, err := os.ReadFile(bad)
		require.NoError(t, err)
		assert.Contains(t, string(b), "DEBUG: plug 1: status")
	})
	t.Run("verbose_level", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			in      []string
			level   int64
			verbose bool
		}{
			{nil, 0, false},
			{[]string{"verbose=1"}, 1, true},
			{[]string{"verbose=yes"}, 1, true},
			{[]string{"verbose_level=3"}, 3, true},
			{[]string{"verbose-level=2"}, 2, true},
			{[]string{"verbose=1", "verbose_level=2"}, 2, true},
			{[]string{"verbose=0"}, 0, false},
		} {
			d := newDevice(t, "1=on")
			r := stdin(t, append(tc.in, "action=status", d.Arg(), "port=1")...)
			require.Equal(t, 0, r.Code, r)
			assert.Equal(t, tc.level, d.last(t).VerboseLevel, "%v", tc.in)
			assert.Equal(t, tc.verbose, strings.Contains(r.Stderr, "DEBUG:"), "%v\n%s", tc.in, r)
		}
	})
}

func TestFlightRecorder(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on", "2=on")
	r := stdin(t, "action=off", d.Arg(), "port=1,2", "set_fail=2")
	require.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "flight recorder")
	assert.Contains(t, r.Stderr, "DEBUG: plug 1: status ON")
	assert.Contains(t, r.Stderr, "DEBUG: plug 2: switching OFF")
	errAt := strings.Index(r.Stderr, "ERROR: Failed:")
	dumpAt := strings.Index(r.Stderr, "flight recorder")
	assert.True(t, errAt >= 0 && errAt < dumpAt, "the one-line reason comes first, then the recording\n%s", r.Stderr)

	d = newDevice(t, "1=on", "2=on")
	r = stdin(t, "action=off", d.Arg(), "port=1,2")
	require.Equal(t, 0, r.Code, r)
	assert.NotContains(t, r.Stderr, "DEBUG")
	assert.NotContains(t, r.Stderr, "flight recorder")
	assert.Empty(t, lines(r.Stderr), "a clean success says nothing on stderr")
}

// As fence-agents, info lines are not printed unless verbose: Pacemaker logs every stderr line of
// a fence agent as a warning, and a device monitor every minute would fill its log. They are in
// the recording when the action fails.
func TestInfoLinesOnlyOnFailure(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=off", d.Arg(), "port=1", "delay=0.1")
	require.Equal(t, 0, r.Code, r)
	assert.Empty(t, r.Stderr)
	d = newDevice(t, "1=on")
	r = stdin(t, "action=off", d.Arg(), "port=1", "delay=0.1", "set_fail=1")
	require.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "INFO: Delay 0.1 second(s)")
}
