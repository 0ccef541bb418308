package fence_test

// How parameters come in: stdin key=value lines (Pacemaker) and getopt-style argv (people),
// checked against fence-agents' lib/fencing.py (_parse_input_stdin, _parse_input_cmdline).

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStdinSyntax(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on", "2=off")
	r := stdin(t,
		"# a comment: action=off",
		"",
		"   ",
		"  # an indented comment",
		`  action="status"  `, // surrounding blanks and one pair of quotes stripped
		"plug=2",
		`plug="1"`, // last occurrence wins
		d.Arg(),
		`username=""admin""`, // only one pair of quotes goes
		`ip="10.0.0.1`,       // an unbalanced quote stays
	)
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Status: ON\n", r.Stdout)
	rec := d.last(t)
	assert.Equal(t, "status", rec.Action)
	assert.Equal(t, []string{"1"}, rec.Plugs)
	assert.Equal(t, `"admin"`, rec.Username)
	assert.Equal(t, `"10.0.0.1`, rec.IP)
	assert.Empty(t, lines(r.Stderr), "a clean input warns about nothing")
}

func TestStdinDashUnderscore(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on", "2=on")
	r := stdin(t, "action=status", "state-file="+d.Path, "plug-separator=+", "plug=1+2",
		"power_timeout=7", "power-timeout=9", "stonith-status-sleep=0.5")
	require.Equal(t, 0, r.Code, r)
	rec := d.last(t)
	assert.Equal(t, []string{"1", "2"}, rec.Plugs)
	assert.Equal(t, "9", rec.PowerTimeout, "both spellings are one option; the last one wins")
	assert.Empty(t, lines(r.Stderr))
}

func TestStdinOldAndNewNames(t *testing.T) {
	t.Parallel()
	script := passwordScript(t, "from-script\n")
	for _, tc := range []struct {
		key, value string
		check      func(t *testing.T, rec record)
	}{
		{"ipaddr", "10.1.1.1", func(t *testing.T, rec record) { assert.Equal(t, "10.1.1.1", rec.IP) }},
		{"ip", "10.1.1.2", func(t *testing.T, rec record) { assert.Equal(t, "10.1.1.2", rec.IP) }},
		{"login", "olduser", func(t *testing.T, rec record) { assert.Equal(t, "olduser", rec.Username) }},
		{"username", "newuser", func(t *testing.T, rec record) { assert.Equal(t, "newuser", rec.Username) }},
		{"passwd", "oldpw", func(t *testing.T, rec record) { assert.Equal(t, "oldpw", rec.Password) }},
		{"password", "newpw", func(t *testing.T, rec record) { assert.Equal(t, "newpw", rec.Password) }},
		{"passwd_script", script, func(t *testing.T, rec record) { assert.Equal(t, "from-script", rec.Password) }},
		{"password_script", script, func(t *testing.T, rec record) { assert.Equal(t, "from-script", rec.Password) }},
		{"passwd-script", script, func(t *testing.T, rec record) { assert.Equal(t, "from-script", rec.Password) }},
		{"port", "1", func(t *testing.T, rec record) { assert.Equal(t, []string{"1"}, rec.Plugs) }},
		{"plug", "1", func(t *testing.T, rec record) { assert.Equal(t, []string{"1"}, rec.Plugs) }},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			in := []string{"action=status", d.Arg(), tc.key + "=" + tc.value}
			if tc.key != "port" && tc.key != "plug" {
				in = append(in, "port=1")
			}
			r := stdin(t, in...)
			require.Equal(t, 0, r.Code, r)
			assert.Empty(t, lines(r.Stderr), "%s is a known name", tc.key)
			tc.check(t, d.last(t))
		})
	}
	for _, key := range []string{"debug", "debug_file", "debug-file"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			f := filepath.Join(t.TempDir(), "debug.log")
			r := stdin(t, "action=status", d.Arg(), "port=1", "verbose=1", key+"="+f)
			require.Equal(t, 0, r.Code, r)
			b, err := os.ReadFile(f)
			require.NoError(t, err, "%s names the debug file", key)
			assert.Contains(t, string(b), "plug 1: status ON")
		})
	}
	t.Run("old and new together, last wins", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on")
		r := stdin(t, "action=status", d.Arg(), "ipaddr=old", "ip=new", "plug=1", "port=2", "username=u1", "login=u2")
		require.Equal(t, 0, r.Code, r)
		rec := d.last(t)
		assert.Equal(t, "new", rec.IP)
		assert.Equal(t, []string{"2"}, rec.Plugs)
		assert.Equal(t, "u2", rec.Username)
	})
}

func TestStdinNodename(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=status", d.Arg(), "port=1", "nodename=node-a.example")
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "node-a.example", d.last(t).Nodename)
	assert.NotContains(t, r.Stderr, "nodename", "Pacemaker always sends nodename: no warning")
}

func TestStdinUnknownAndMalformed(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=status", d.Arg(), "port=1",
		"apikey=hunter2-value-never-shown",
		"pcmk_host_map=node1:1;node2:2",
		"thisisnotakeyvalue",
		"=orphan-value",
		"option=off", // the deprecated alias of action is not implemented by fence-agents either
	)
	require.Equal(t, 0, r.Code, "unknown keys are ignored, the action goes on\n%s", r)
	assert.Equal(t, "Status: ON\n", r.Stdout)
	assert.Contains(t, r.Stderr, "Parse error: Ignoring unknown option 'apikey'")
	assert.Contains(t, r.Stderr, "Parse error: Ignoring unknown option 'pcmk_host_map'")
	assert.Contains(t, r.Stderr, "Parse error: Ignoring unknown option 'thisisnotakeyvalue'")
	assert.Contains(t, r.Stderr, "Parse error: Ignoring unknown option 'option'")
	assert.NotContains(t, r.Stderr, "hunter2-value-never-shown", "the value of an unknown key may be a secret")
	assert.NotContains(t, r.Stderr, "node1:1", "values of unknown keys are not echoed")
	assert.NotContains(t, r.Stderr, "orphan-value")
	assert.Equal(t, "on", d.state(t, "1"), "option=off must not switch anything")
	assert.Empty(t, d.ops(t, "set"))
}

func TestStdinBooleans(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  bool
		warn  bool
	}{
		{"1", true, false}, {"yes", true, false}, {"on", true, false}, {"true", true, false},
		{"TRUE", true, false}, {"Yes", true, false},
		{"0", false, false}, {"no", false, false}, {"off", false, false}, {"false", false, false},
		{"maybe", false, true}, {"", false, true}, {"2", false, true},
	} {
		t.Run("ssl="+tc.value, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			r := stdin(t, "action=status", d.Arg(), "port=1", "ssl="+tc.value)
			require.Equal(t, 0, r.Code, "a bad boolean is warned about and ignored\n%s", r)
			assert.Equal(t, tc.want, d.last(t).SSL)
			if tc.warn {
				assert.Contains(t, r.Stderr, "Parse error: Ignoring option 'ssl'")
			} else {
				assert.Empty(t, lines(r.Stderr))
			}
		})
	}
	t.Run("bad boolean then good one", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=status", d.Arg(), "port=1", "ssl=yes", "ssl=bogus")
		require.Equal(t, 0, r.Code, r)
		assert.True(t, d.last(t).SSL, "an ignored bad value does not reset an earlier good one")
	})
}

func TestStdinIgnoredWhenArgvGiven(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := runAgent(t, "action=off\nport=1\n"+d.Arg()+"\n", nil, "-o", "status", "-n", "1", "--state-file", d.Path)
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Status: ON\n", r.Stdout)
	assert.Equal(t, "on", d.state(t, "1"))
}

func TestArgv(t *testing.T) {
	t.Parallel()
	t.Run("-o status -n 1", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "status", "-n", "1", "--state-file", d.Path)
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Status: ON\n", r.Stdout)
		assert.Equal(t, []string{"1"}, d.last(t).Plugs)
	})
	t.Run("--action=status --plug 1", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off")
		r := argv(t, "--action=status", "--plug", "1", "--state-file="+d.Path)
		require.Equal(t, 2, r.Code, r)
		assert.Equal(t, "Status: OFF\n", r.Stdout)
	})
	t.Run("long options with values", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "status", "--plug=1", "--state-file", d.Path, "-a", "192.0.2.1",
			"--username", "admin", "-p", "pw", "--power-timeout=5", "-z")
		require.Equal(t, 0, r.Code, r)
		rec := d.last(t)
		assert.Equal(t, "192.0.2.1", rec.IP)
		assert.Equal(t, "admin", rec.Username)
		assert.Equal(t, "pw", rec.Password)
		assert.Equal(t, "5", rec.PowerTimeout)
		assert.True(t, rec.SSL)
	})
	t.Run("action is case-insensitive", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "STATUS", "-n", "1", "--state-file", d.Path)
		require.Equal(t, 0, r.Code, r)
	})
	t.Run("--flag=false is false", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "status", "-n", "1", "--state-file", d.Path, "--ssl=false")
		require.Equal(t, 0, r.Code, r)
		assert.False(t, d.last(t).SSL, "--ssl=false must not switch ssl on")
		r = argv(t, "-o", "status", "-n", "1", "--state-file", d.Path, "--ssl", "--ssl=0", "--status-error=false")
		require.Equal(t, 0, r.Code, r)
		assert.False(t, d.last(t).SSL)
		r = argv(t, "-o", "status", "-n", "1", "--state-file", d.Path, "--ssl=true", "-q")
		require.Equal(t, 0, r.Code, r)
		assert.True(t, d.last(t).SSL)
	})
	t.Run("-h and -V", func(t *testing.T) {
		t.Parallel()
		for _, a := range []string{"-h", "--help"} {
			r := argv(t, a)
			assert.Equal(t, 0, r.Code, r)
			assert.True(t, strings.HasPrefix(r.Stdout, "Usage:"), "%s prints the usage\n%s", a, r)
			assert.Contains(t, r.Stdout, "-n, --plug=[id]")
		}
		for _, a := range []string{"-V", "--version"} {
			r := argv(t, a)
			assert.Equal(t, 0, r.Code, r)
			assert.Equal(t, "0.0.0-test\n", r.Stdout)
		}
	})
	for _, tc := range []struct {
		args  []string
		level int64
	}{
		{[]string{"-v"}, 1}, {[]string{"-v", "-v"}, 2}, {[]string{"-vvv"}, 3}, {[]string{"--verbose"}, 1},
		{[]string{"--verbose-level=2"}, 2}, {[]string{"-vvv", "--verbose-level", "1"}, 1},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			r := argv(t, append([]string{"-o", "status", "-n", "1", "--state-file", d.Path}, tc.args...)...)
			require.Equal(t, 0, r.Code, r)
			assert.Equal(t, tc.level, d.last(t).VerboseLevel)
			assert.Contains(t, r.Stderr, "DEBUG: plug 1: status ON", "verbose shows debug lines at once")
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown long option", []string{"-o", "status", "--frobnicate"}, "frobnicate"},
		{"unknown short option", []string{"-o", "status", "-x"}, "-x"},
		{"missing argument", []string{"-n", "1", "-o"}, "-o"},
		{"missing argument of long option", []string{"-o", "status", "--plug"}, "plug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := argv(t, tc.args...)
			assert.Equal(t, 1, r.Code, r)
			assert.Empty(t, r.Stdout)
			l := lines(r.Stderr)
			require.Len(t, l, 1, "a usage error is one line\n%s", r)
			assert.Contains(t, l[0], "Parse")
			assert.Contains(t, l[0], tc.want)
		})
	}
}

// Seconds that are not numbers must not become negative durations (delay skipped, power_wait 0,
// power_timeout unlimited): they are refused before any device I/O, with a clear error.
func TestSecondsNotNumbers(t *testing.T) {
	d := newDevice(t, "1=on")
	for _, opt := range []string{"delay", "power_wait", "power_timeout", "stonith_status_sleep", "login_timeout", "shell_timeout"} {
		for _, v := range []string{"inf", "+Inf", "NaN", "1e10", "-1", "1e400", "0x10p9", "604801"} {
			r := stdin(t, "action=off", "plug=1", "state_file="+d.Path, opt+"="+v)
			require.Equal(t, 1, r.Code, "%s=%s: %v", opt, v, r)
			assert.Contains(t, r.Stderr, "is not a number of seconds", "%s=%s", opt, v)
			assert.NotContains(t, r.Stdout, "Success")
		}
	}
	assert.Equal(t, "on", d.state(t, "1"), "a device was switched over a bad number")
}

// Input the agent cannot read whole is refused: acting on what came before a line too long for
// the scanner, or before the size limit, would turn a status into the default reboot, or fence
// one PSU of a node whose plug list was cut short.
func TestStdinUnreadIsRefused(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	for name, tail := range map[string][]string{
		"a line past the limit":     {"# " + big, "action=status"},
		"many lines past the limit": append(slices.Repeat([]string{"# " + strings.Repeat("y", 1000)}, 1100), "action=status"),
		"a value cut at the limit":  {"# " + big[:1<<20-200], "plug=1," + strings.Repeat("2,", 200)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on", "2=on")
			r := stdin(t, append([]string{"plug=1", d.Arg()}, tail...)...)
			assert.Equal(t, 1, r.Code, r)
			assert.Len(t, lines(r.Stderr), 1, "one line says why: %s", r.Stderr)
			assert.Contains(t, r.Stderr, "stdin")
			assert.Empty(t, d.read(t).Ops, "nothing switched, nothing read")
		})
	}
}
