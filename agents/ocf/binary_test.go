package ocf

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLifecycle walks the idempotency rules ocf-tester and Pacemaker rely on (SPEC11): a probe
// and a monitor of a stopped resource say 7, start and stop succeed twice, stop never says 7.
func TestLifecycle(t *testing.T) {
	state := []string{"OCF_RESKEY_state=" + filepath.Join(ocftest.StateDir(t), "s")}
	recurring := append([]string{"OCF_RESKEY_CRM_meta_interval=10000"}, state...)
	steps := []struct {
		action string
		env    []string
		want   int
	}{
		{"validate-all", state, 0},
		{"monitor", state, 7}, // a probe: no interval at all
		{"monitor", append([]string{"OCF_RESKEY_CRM_meta_interval=0"}, state...), 7},
		{"stop", state, 0},
		{"start", state, 0},
		{"monitor", recurring, 0},
		{"start", state, 0},
		{"reload-agent", append([]string{"OCF_RESKEY_count=7"}, state...), 0},
		{"reload", state, 0},
		{"monitor", append([]string{"OCF_CHECK_LEVEL=10"}, recurring...), 0},
		{"stop", state, 0},
		{"stop", state, 0},
		{"monitor", recurring, 7},
	}
	for i, s := range steps {
		o := runAgent(t, "example", s.env, s.action)
		require.Equal(t, s.want, o.Code, "step %d: %s\n%s", i, s.action, o.Stderr)
		assert.Zero(t, o.Reasons, "step %d: %s gave an exit reason: %s", i, s.action, o.Reason)
	}
}

// TestExitCodes drives every exit path through the real binary.
func TestExitCodes(t *testing.T) {
	dir := ocftest.StateDir(t)
	state := "OCF_RESKEY_state=" + filepath.Join(dir, "s")
	running := "OCF_RESKEY_state=" + filepath.Join(dir, "running")
	require.Equal(t, 0, runAgent(t, "example", []string{running}, "start").Code)

	cases := []struct {
		name   string
		agent  string
		action string
		env    []string
		code   int
		reason string // substring; "" means no exit reason at all
	}{
		{"generic failure", "example", "start", []string{state, "OCF_RESKEY_mode=fail"}, 1, "start failed with password"},
		{"invalid on this node", "example", "start", []string{state, "OCF_RESKEY_mode=args"}, 2, "mode args is invalid on this node"},
		{"unknown action", "example", "frobnicate", []string{state}, 3, `action "frobnicate" is not supported`},
		{"status is not monitor", "example", "status", []string{state}, 3, `action "status" is not supported`},
		{"undeclared optional action", "example", "promote", []string{state}, 3, `action "promote" is not supported`},
		{"notify not declared", "plain", "notify", []string{state}, 3, `"notify" is not supported`},
		{"not installed, depth 10", "example", "validate-all", []string{"OCF_RESKEY_state=/nonexistent/dir/s", "OCF_CHECK_LEVEL=10"}, 5, "directory /nonexistent/dir does not exist"},
		{"depth 0 needs nothing local", "example", "validate-all", []string{"OCF_RESKEY_state=/nonexistent/dir/s"}, 0, ""},
		{"missing required", "example", "validate-all", nil, 6, "parameter state: is required but not set"},
		{"missing required on start", "example", "start", nil, 6, "parameter state: is required"},
		{"not an integer", "example", "start", []string{state, "OCF_RESKEY_count=abc"}, 6, `parameter count: "abc" is not an integer`},
		{"out of range", "example", "validate-all", []string{state, "OCF_RESKEY_count=11"}, 6, "parameter count: 11 is out of range 1..10"},
		{"not a boolean", "example", "start", []string{state, "OCF_RESKEY_paranoid=maybe"}, 6, "parameter paranoid"},
		{"not a choice", "example", "start", []string{state, "OCF_RESKEY_mode=bogus"}, 6, "parameter mode"},
		{"not a duration", "example", "start", []string{state, "OCF_RESKEY_delay=5 parsecs"}, 6, "parameter delay"},
		{"recurring monitor, bad config", "plain", "monitor", []string{state, "OCF_RESKEY_count=abc", "OCF_RESKEY_CRM_meta_interval=10000"}, 6, "parameter count"},
		{"cross-check on start", "example", "start", []string{state, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1"}, 6, "count 9 cannot go with paranoid"},
		{"cross-check on a probe, nothing runs", "example", "monitor", []string{state, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1"}, 7, ""},
		{"cross-check on a stop, nothing runs", "example", "stop", []string{state, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1"}, 0, ""},
		{"cross-check on a stop, running", "example", "stop", []string{running, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1"}, 1, "refusing to call it stopped: count 9 cannot go with paranoid"},
		{"cross-check on a stop, no hook", "plain", "stop", []string{running, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1"}, 0, ""},
		{"cross-check on a recurring monitor", "example", "monitor", []string{state, "OCF_RESKEY_count=9", "OCF_RESKEY_paranoid=1", "OCF_RESKEY_CRM_meta_interval=10000"}, 6, "count 9 cannot go with paranoid"},
		{"not running", "example", "monitor", []string{state, "OCF_RESKEY_CRM_meta_interval=10000"}, 7, ""},
		{"degraded", "example", "monitor", []string{running, "OCF_RESKEY_mode=degraded", "OCF_RESKEY_CRM_meta_interval=10000"}, 190, "running, but degraded"},
		{"panic", "example", "start", []string{state, "OCF_RESKEY_mode=panic"}, 1, "internal error in the start handler: boom"},
		{"instance missing", "example", "start", []string{state, "OCF_RESOURCE_INSTANCE="}, 2, "OCF_RESOURCE_INSTANCE is not set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runAgent(t, c.agent, c.env, c.action)
			assert.Equal(t, c.code, o.Code, "stderr:\n%s", o.Stderr)
			if c.reason == "" {
				assert.Zero(t, o.Reasons, "unexpected exit reason %q", o.Reason)
			} else {
				assert.Contains(t, o.Reason, c.reason)
				assert.Equal(t, 1, o.Reasons, "one exit reason, printed once")
			}
			if c.code == 3 {
				assert.Empty(t, o.Stdout)
				assert.Contains(t, o.Stderr, "usage: "+c.agent+" {start|stop|monitor")
			}
		})
	}
}

// TestNoAction prints the usage on stderr and exits 3; usage itself succeeds on stdout.
func TestNoAction(t *testing.T) {
	o := runAgent(t, "example", nil)
	assert.Equal(t, 3, o.Code)
	assert.Contains(t, o.Stderr, "usage: example {start|stop|monitor|reload-agent|meta-data|validate-all|usage}")
	assert.Equal(t, "no action given", o.Reason)

	o = runAgent(t, "example", nil, "usage")
	assert.Equal(t, 0, o.Code)
	assert.Contains(t, o.Stdout, "usage: example")
}

// TestSecretsNeverShow: neither a handler's text nor a type error may reveal a secret.
func TestSecretsNeverShow(t *testing.T) {
	state := "OCF_RESKEY_state=" + filepath.Join(ocftest.StateDir(t), "s")
	o := runAgent(t, "example", []string{state, "OCF_RESKEY_mode=fail", "OCF_RESKEY_password=hunter2-secret", "HA_debug=1"}, "start")
	assert.Equal(t, 1, o.Code)
	assert.Contains(t, o.Reason, "<redacted>")
	assert.NotContains(t, o.Stderr, "hunter2-secret")

	o = runAgent(t, "example", []string{state, "OCF_RESKEY_pin=12x34"}, "validate-all")
	assert.Equal(t, 6, o.Code)
	assert.Equal(t, "parameter pin: has an invalid value", o.Reason)
	assert.NotContains(t, o.Stderr, "12x34")
}

// TestExitReasonIsOneShortLine: Pacemaker keeps one line of 128 bytes; we cut it ourselves.
func TestExitReasonIsOneShortLine(t *testing.T) {
	state := "OCF_RESKEY_state=" + filepath.Join(ocftest.StateDir(t), "s")
	o := runAgent(t, "example", []string{state, "OCF_RESKEY_mode=long"}, "start")
	assert.Equal(t, 1, o.Code)
	assert.LessOrEqual(t, len(o.Reason), maxReason)
	assert.True(t, strings.HasSuffix(o.Reason, "…"), o.Reason)
	assert.True(t, utf8.ValidString(o.Reason))
	assert.True(t, strings.HasPrefix(o.Reason, "a very long multi-line reason a very long"), o.Reason)
}

// TestDeadline: with a 3s operation timeout the handler's context ends early enough for the
// agent to exit 1 with a reason of its own before Pacemaker would kill it. Asserted on the
// outcome, not on wall time.
func TestDeadline(t *testing.T) {
	state := "OCF_RESKEY_state=" + filepath.Join(ocftest.StateDir(t), "s")
	for _, c := range []struct{ mode, reason string }{
		{"hang", "start timed out after 1.5s of its 3s operation timeout: waiting for the device: context deadline exceeded"},
		{"stuck", "start timed out after 1.5s of its 3s operation timeout: the start handler did not return"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			o := runAgent(t, "example", []string{state, "OCF_RESKEY_mode=" + c.mode, "OCF_RESKEY_CRM_meta_timeout=3000"}, "start")
			assert.Equal(t, 1, o.Code, o.Stderr)
			assert.Contains(t, o.Reason, c.reason)
		})
	}
}

// TestBadConfigOnStopAndProbe: the decisions the package documentation explains.
func TestBadConfigOnStopAndProbe(t *testing.T) {
	dir := ocftest.StateDir(t)
	stopped := "OCF_RESKEY_state=" + filepath.Join(dir, "stopped")
	running := "OCF_RESKEY_state=" + filepath.Join(dir, "running")
	require.Equal(t, 0, runAgent(t, "example", []string{running}, "start").Code)
	bad := "OCF_RESKEY_count=abc"

	cases := []struct {
		name, agent, action string
		env                 []string
		code                int
		reason              string
	}{
		{"hook confirms stopped", "example", "stop", []string{stopped, bad}, 0, ""},
		{"hook confirms not running on probe", "example", "monitor", []string{stopped, bad}, 7, ""},
		{"hook sees it running: stop fails", "example", "stop", []string{running, bad}, 1, "refusing to call it stopped: parameter count"},
		{"hook sees it running: probe fails", "example", "monitor", []string{running, bad}, 1, "refusing to call it stopped"},
		{"hook cannot tell", "example", "stop", []string{bad}, 1, "cannot tell whether anything runs: parameter state: is required but not set"},
		{"no hook: stop succeeds", "plain", "stop", []string{running, bad}, 0, ""},
		{"no hook: probe says not running", "plain", "monitor", []string{running, bad}, 7, ""},
		{"start still refuses", "example", "start", []string{stopped, bad}, 6, "parameter count"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runAgent(t, c.agent, c.env, c.action)
			assert.Equal(t, c.code, o.Code, o.Stderr)
			if c.reason == "" {
				assert.Zero(t, o.Reasons, o.Reason)
			} else {
				assert.Contains(t, o.Reason, c.reason)
			}
		})
	}
}
