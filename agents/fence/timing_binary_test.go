package fence_test

// power_timeout, disable_timeout under pacemaker-fenced, and delay. Nothing here asserts an
// upper bound on how fast something runs: the only time comparisons are lower bounds on waits
// the agent was asked to make (delay), plus generous guards against a wait that should not
// happen at all.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPowerTimeout(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=off", d.Arg(), "port=1", "stick=1", "power_timeout=1", "stonith_status_sleep=0.2")
	require.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
	assert.NotContains(t, r.Stdout+r.Stderr, "Success")
	assert.Greater(t, len(d.ops(t, "status 1")), 2, "the plug was polled, not read once")
	assert.Equal(t, "on", d.state(t, "1"))
}

// A plug that turns off only after 10 more reads, polled every 0.2 s, cannot be off within a
// power_timeout of 1 s: at least 1.8 s of requested sleeps come first. Under pacemaker-fenced,
// fence-agents forces disable_timeout, so the same call waits as long as it takes.
func TestPacemakerFencedDisablesPowerTimeout(t *testing.T) {
	t.Parallel()
	slow := []string{"action=off", "port=1", "off_after_polls=10", "power_timeout=1", "stonith_status_sleep=0.2"}
	fenced := []string{"PCMK_service=pacemaker-fenced"}

	t.Run("by hand: times out", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, append(slow, d.Arg())...)
		require.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
		rec := d.last(t)
		assert.False(t, rec.DisableTimeout)
		assert.Equal(t, "1", rec.PowerTimeout)
	})
	t.Run("under fenced: waits", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdinEnv(t, fenced, append(slow, d.Arg())...)
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Powered OFF\n", r.Stdout)
		assert.Equal(t, "off", d.state(t, "1"))
		assert.GreaterOrEqual(t, len(d.ops(t, "status 1")), 11)
		rec := d.last(t)
		assert.True(t, rec.DisableTimeout)
		assert.Equal(t, "0", rec.PowerTimeout)
	})
	t.Run("under fenced, disable_timeout=0 given: times out", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdinEnv(t, fenced, append(slow, d.Arg(), "disable_timeout=0")...)
		require.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
	})
	t.Run("other PCMK_service: times out", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdinEnv(t, []string{"PCMK_service=pacemaker-controld"}, append(slow, d.Arg())...)
		require.Equal(t, 1, r.Code, r)
	})
	t.Run("by hand, disable_timeout=1: waits", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, append(slow, d.Arg(), "disable_timeout=true")...)
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Powered OFF\n", r.Stdout)
	})
	t.Run("argv --disable-timeout", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "off", "-n", "1", "--off-after-polls", "10", "--power-timeout", "1",
			"--stonith-status-sleep", "0.2", "--disable-timeout=1", "--state-file", d.Path)
		require.Equal(t, 0, r.Code, r)
	})
}

// fenceTestArgs is fence-agents' FENCE_TEST_ARGS (agents/Makefile.am, delay-check) with delay=2:
// bogus device parameters, most of them unknown to this agent, default action (reboot).
var fenceTestArgs = []string{"delay=2", " login=test", " passwd=test", " ipaddr=test", " port=1", " managed=1",
	" devices=test", " session_url=http://test", " email=test@test.te", " ping_targets=localhost"}

func TestDelayCheck(t *testing.T) {
	t.Parallel()
	r := stdin(t, fenceTestArgs...)
	assert.GreaterOrEqual(t, r.Elapsed, 2*time.Second, "fence-agents' delay-check: the delay comes even before a bogus device fails\n%s", r)
	assert.Equal(t, 1, r.Code, "there is no device to reach\n%s", r)
	assert.Contains(t, r.Stderr, "Delay 2 second(s)")
}

func TestDelayBeforeDeviceIO(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"off", "reboot"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			r := stdin(t, "action="+action, d.Arg(), "port=1", "delay=2", "verbose=1")
			require.Equal(t, 0, r.Code, r)
			first := d.firstAccess(t)
			assert.GreaterOrEqual(t, first.Sub(r.Start), 2*time.Second,
				"the device was first touched %s after the agent started", first.Sub(r.Start))
			assert.Contains(t, r.Stderr, "Delay 2 second(s)")
		})
	}
	t.Run("argv --delay", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := argv(t, "-o", "off", "-n", "1", "--delay=1.5", "--state-file", d.Path)
		require.Equal(t, 0, r.Code, r)
		assert.GreaterOrEqual(t, d.firstAccess(t).Sub(r.Start), 1500*time.Millisecond)
	})
}

// Delay applies only to off and reboot (fence-agents run_delay). The agent is asked for a long
// delay; that it did not take it shows in the log and in when the device was first touched.
func TestNoDelayForOtherActions(t *testing.T) {
	t.Parallel()
	const delay = 60 * time.Second
	for _, action := range []string{"on", "status", "list", "list-status", "monitor"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=off")
			r := stdin(t, "action="+action, d.Arg(), "port=1", "delay=60")
			assert.Contains(t, []int{0, 2}, r.Code, r)
			assert.NotContains(t, r.Stderr, "Delay")
			assert.Less(t, d.firstAccess(t).Sub(r.Start), delay, "%s waited the delay", action)
		})
	}
}

func TestPowerWait(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=off", d.Arg(), "port=1", "power_wait=1.5")
	require.Equal(t, 0, r.Code, r)
	assert.GreaterOrEqual(t, r.Elapsed, 1500*time.Millisecond, "power_wait is slept after switching")
	d = newDevice(t, "1=off")
	r = stdin(t, "action=reboot", d.Arg(), "port=1", "power_wait=1")
	require.Equal(t, 0, r.Code, r)
	assert.GreaterOrEqual(t, r.Elapsed, time.Second)
}
