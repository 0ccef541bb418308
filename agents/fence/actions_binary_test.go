package fence_test

// The actions and their exit codes, checked against fence-agents' fence_action() semantics.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusExitCodes(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on", "2=off")
	r := stdin(t, "action=status", d.Arg(), "port=1")
	assert.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Status: ON\n", r.Stdout)
	r = stdin(t, "action=status", d.Arg(), "port=2")
	assert.Equal(t, 2, r.Code, r)
	assert.Equal(t, "Status: OFF\n", r.Stdout)
	r = stdin(t, "action=status", d.Arg(), "port=1", "status_error=1")
	assert.Equal(t, 1, r.Code, r)
	assert.Empty(t, r.Stdout)
	r = stdin(t, "action=status", d.Arg(), "port=9")
	assert.Equal(t, 1, r.Code, "a plug the device does not have\n%s", r)
	assert.Empty(t, d.ops(t, "set"), "status never switches")
}

func TestOnOff(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")

	r := stdin(t, "action=off", d.Arg(), "port=1")
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Success: Powered OFF\n", r.Stdout)
	assert.Equal(t, "off", d.state(t, "1"))
	assert.Equal(t, []string{"set 1 off"}, d.ops(t, "set"))
	assert.Equal(t, []string{"confirm 1"}, d.ops(t, "confirm"), "off is corroborated by the OffConfirmer")

	r = stdin(t, "action=off", d.Arg(), "port=1")
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Success: Already OFF\n", r.Stdout)
	assert.Len(t, d.ops(t, "set"), 1, "already off: nothing switched")

	r = stdin(t, "action=on", d.Arg(), "port=1")
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Success: Powered ON\n", r.Stdout)
	assert.Equal(t, "on", d.state(t, "1"))

	r = stdin(t, "action=on", d.Arg(), "port=1")
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "Success: Already ON\n", r.Stdout)
	assert.Len(t, d.ops(t, "set"), 2, "already on: nothing switched")
}

func TestOnRetries(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=off")
	r := stdin(t, "action=on", d.Arg(), "port=1", "set_fail_on=1")
	assert.Equal(t, 1, r.Code, r)
	assert.NotContains(t, r.Stdout+r.Stderr, "Success")
	assert.Len(t, d.ops(t, "set 1 on"), 2, "on gets 1+retry_on attempts (retry_on defaults to 1)")

	d = newDevice(t, "1=off")
	r = stdin(t, "action=on", d.Arg(), "port=1", "set_fail_on=1", "retry_on=3")
	assert.Equal(t, 1, r.Code, r)
	assert.Len(t, d.ops(t, "set 1 on"), 4)
}

func TestReboot(t *testing.T) {
	t.Parallel()
	t.Run("from on: off then on", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
		assert.Equal(t, []string{"set 1 off", "set 1 on"}, d.ops(t, "set"))
		assert.Equal(t, "on", d.state(t, "1"))
	})
	t.Run("from off: only on", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off")
		r := stdin(t, "action=reboot", d.Arg(), "port=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
		assert.Equal(t, []string{"set 1 on"}, d.ops(t, "set"))
	})
	t.Run("default action is reboot", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, d.Arg(), "port=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
		assert.Equal(t, "reboot", d.last(t).Action)
		r = argv(t, "-n", "1", "--state-file", d.Path)
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
	})
	t.Run("on phase fails: still fenced, exit 0", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1", "set_fail_on=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
		assert.Contains(t, r.Stderr, "Timed out waiting to power ON")
		assert.Equal(t, "off", d.state(t, "1"))
		assert.Len(t, d.ops(t, "set 1 on"), 1, "reboot's on phase gets retry_on attempts")
	})
	t.Run("on phase never turns on: still exit 0", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1", "stick_off=1", "power_timeout=1", "stonith_status_sleep=0.2")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Rebooted\n", r.Stdout)
		assert.Contains(t, r.Stderr, "Timed out waiting to power ON")
	})
	t.Run("off phase fails: exit 1, never powered on", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1", "set_fail=1")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Empty(t, d.ops(t, "set 1 on"))
	})
	t.Run("off phase times out: exit 1", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1", "stick=1", "power_timeout=1", "stonith_status_sleep=0.2")
		require.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Empty(t, d.ops(t, "set 1 on"))
	})
}

func TestConfirmOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ action, initial string }{
		{"off", "on"}, {"off", "off"}, {"reboot", "on"}, {"reboot", "off"},
	} {
		t.Run(tc.action+" from "+tc.initial, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1="+tc.initial)
			r := stdin(t, "action="+tc.action, d.Arg(), "port=1", "confirm_fail=1")
			assert.Equal(t, 1, r.Code, "an off the meter contradicts is not an off\n%s", r)
			assert.NotContains(t, r.Stdout+r.Stderr, "Success")
			assert.Contains(t, r.Stderr, "plug 1")
			assert.Contains(t, r.Stderr, "120 W")
			assert.Empty(t, d.ops(t, "set 1 on"), "not corroborated off: never powered back on")
		})
	}
}

func TestMultiPlug(t *testing.T) {
	t.Parallel()
	t.Run("off switches every plug", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on", "3=on")
		r := stdin(t, "action=off", d.Arg(), "port=1,2")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Powered OFF\n", r.Stdout)
		assert.Equal(t, "off", d.state(t, "1"))
		assert.Equal(t, "off", d.state(t, "2"))
		assert.Equal(t, "on", d.state(t, "3"))
		assert.Equal(t, []string{"set 1 off", "set 2 off"}, sorted(d.ops(t, "set")))
	})
	t.Run("plug_separator", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on")
		r := stdin(t, "action=off", d.Arg(), "plug=1+2", "plug_separator=+")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, []string{"1", "2"}, d.last(t).Plugs)
		assert.Equal(t, "off", d.state(t, "2"))
		r = argv(t, "-o", "status", "-n", "1;2", "--plug-separator", ";", "--state-file", d.Path)
		assert.Equal(t, 2, r.Code, r)
	})
	t.Run("status: on if any plug is on", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off", "2=on", "3=off")
		r := stdin(t, "action=status", d.Arg(), "port=1,2")
		assert.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Status: ON\n", r.Stdout)
		r = stdin(t, "action=status", d.Arg(), "port=1,3")
		assert.Equal(t, 2, r.Code, r)
		assert.Equal(t, "Status: OFF\n", r.Stdout)
	})
	t.Run("on: any plug on counts as on, as in fence-agents", func(t *testing.T) {
		t.Parallel()
		// get_multi_power_fn says "on" if any plug is not off, and fence_action then answers
		// "Already ON" without touching the plug that is off.
		d := newDevice(t, "1=off", "2=on")
		r := stdin(t, "action=on", d.Arg(), "port=1,2")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Already ON\n", r.Stdout)
		assert.Empty(t, d.ops(t, "set"))
	})
	t.Run("one stuck plug fails the whole off, naming it", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on")
		r := stdin(t, "action=off", d.Arg(), "port=1,2", "stick=2", "power_timeout=1", "stonith_status_sleep=0.2")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Empty(t, r.Stdout)
		assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
		assert.Contains(t, r.Stderr, "2 (ON)", "the failure names the stuck plug")
		assert.NotContains(t, r.Stderr, "1 (ON)")
		assert.Equal(t, "off", d.state(t, "1"), "the good plug was switched")
	})
	t.Run("one plug failing to switch fails the off", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on")
		r := stdin(t, "action=off", d.Arg(), "port=1,2", "set_fail=2")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Contains(t, r.Stderr, "plug 2")
	})
	t.Run("one plug unreadable fails the status", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off", "2=off")
		r := stdin(t, "action=status", d.Arg(), "port=1,2", "status_error=2")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout, "OFF")
		assert.Contains(t, r.Stderr, "plug 2")
	})
	t.Run("reboot with a stuck plug", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=on")
		r := stdin(t, "action=reboot", d.Arg(), "port=1,2", "stick=1", "power_timeout=1", "stonith_status_sleep=0.2")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Contains(t, r.Stderr, "1 (ON)")
		assert.Empty(t, d.ops(t, "set 2 on"), "no plug is powered back on before all are off")
	})
}

// An unknown state is never taken for off. fence-agents fails at an unknown initial status
// (fail(EC_STATUS)); this runtime instead switches and then requires the wanted state to be
// read back, so an unknown plug can still be fenced once it reads off, and never otherwise.
func TestUnknownStateIsNeverOff(t *testing.T) {
	t.Parallel()
	fast := []string{"power_timeout=1", "stonith_status_sleep=0.2"}
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off")
		r := stdin(t, "action=status", d.Arg(), "port=1", "unknown=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Empty(t, r.Stdout)
		assert.Contains(t, strings.ToLower(r.Stderr), "unknown")
	})
	for _, action := range []string{"off", "reboot"} {
		t.Run(action+", stays unknown", func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=off")
			r := stdin(t, append([]string{"action=" + action, d.Arg(), "port=1", "unknown=1"}, fast...)...)
			assert.Equal(t, 1, r.Code, r)
			assert.NotContains(t, r.Stdout+r.Stderr, "Success")
			assert.Contains(t, r.Stderr, "Timed out waiting to power OFF")
			assert.Contains(t, r.Stderr, "1 (UNKNOWN)")
			assert.Empty(t, d.ops(t, "set 1 on"))
			assert.Empty(t, d.ops(t, "confirm"))
		})
		t.Run(action+", unknown until switched", func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on")
			r := stdin(t, append([]string{"action=" + action, d.Arg(), "port=1", "unknown_until_set=1"}, fast...)...)
			require.Equal(t, 0, r.Code, r)
			assert.Contains(t, r.Stdout, "Success")
			assert.Equal(t, "set 1 off", d.ops(t, "set")[0], "switched off first")
			assert.NotEmpty(t, d.ops(t, "confirm"), "and confirmed")
		})
	}
	t.Run("on, stays unknown", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off")
		r := stdin(t, append([]string{"action=on", d.Arg(), "port=1", "unknown=1"}, fast...)...)
		assert.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
	})
	t.Run("unreadable is not unknown: off stops", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=off", d.Arg(), "port=1", "status_error=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Empty(t, d.ops(t, "set"), "a device that cannot be read is not switched blind")
	})
	t.Run("multi-plug: off and unknown is not off", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off", "2=off")
		r := stdin(t, "action=status", d.Arg(), "port=1,2", "unknown=2")
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "plug 2")
		r = stdin(t, append([]string{"action=off", d.Arg(), "port=1,2", "unknown=2"}, fast...)...)
		assert.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Contains(t, r.Stderr, "2 (UNKNOWN)")
	})
	t.Run("list-status shows UNKNOWN", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=off", "2=on")
		r := stdin(t, "action=list-status", d.Arg(), "unknown=2")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "1,node1,OFF\n2,node2,UNKNOWN\n", r.Stdout)
	})
}

func TestListAndMonitor(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on", "2=off")
	r := stdin(t, "action=list", d.Arg())
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "1,node1\n2,node2\n", r.Stdout)

	r = argv(t, "-o", "list", "-C", ";", "--state-file", d.Path)
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "1;node1\n2;node2\n", r.Stdout)

	r = stdin(t, "action=list-status", d.Arg())
	require.Equal(t, 0, r.Code, r)
	assert.Equal(t, "1,node1,ON\n2,node2,OFF\n", r.Stdout)

	r = stdin(t, "action=list", d.Arg(), "list_fail=1")
	assert.Equal(t, 1, r.Code, r)
	assert.Empty(t, r.Stdout)

	// Pacemaker runs monitor with no target.
	r = stdin(t, "action=monitor", d.Arg())
	assert.Equal(t, 0, r.Code, r)
	assert.Empty(t, r.Stdout)
	r = stdin(t, "action=monitor", d.Arg(), "list_fail=1")
	assert.Equal(t, 1, r.Code, r)
	r = stdin(t, "action=monitor", "port=1")
	assert.Equal(t, 1, r.Code, "an unreachable device fails monitor\n%s", r)

	assert.Empty(t, d.ops(t, "set"), "list and monitor never switch")
}

func TestInformationalActions(t *testing.T) {
	t.Parallel()
	meta := stdin(t, "action=metadata")
	require.Equal(t, 0, meta.Code, meta)
	assert.True(t, strings.HasPrefix(meta.Stdout, "<?xml"), meta.Stdout)
	for _, r := range []result{
		stdin(t, "action=meta-data"),
		argv(t, "-o", "metadata"),
		argv(t, "--action=meta-data"),
		stdin(t, "action=metadata", "port=1", "bogus=1", "state_file=/nonexistent"),
	} {
		assert.Equal(t, 0, r.Code, r)
		assert.Equal(t, meta.Stdout, r.Stdout, "meta-data is metadata")
	}
	man := stdin(t, "action=manpage")
	require.Equal(t, 0, man.Code, man)
	assert.True(t, strings.HasPrefix(man.Stdout, ".TH "), man.Stdout)

	help := argv(t, "-h")
	assert.Equal(t, 0, help.Code, help)
	assert.Contains(t, help.Stdout, "--plug")
	ver := argv(t, "-V")
	assert.Equal(t, 0, ver.Code, ver)
	assert.Equal(t, "0.0.0-test\n", ver.Stdout)
}

func TestValidateAll(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	r := stdin(t, "action=validate-all", d.Arg(), "port=1", "delay=600")
	assert.Equal(t, 0, r.Code, r)
	assert.NotContains(t, r.Stderr, "Delay", "validate-all does not wait the delay")
	r = argv(t, "-o", "validate-all", "--state-file", d.Path, "-n", "1")
	assert.Equal(t, 0, r.Code, r)
	r = stdin(t, "action=validate-all", d.Arg(), "port=1", "power_timeout=soon")
	assert.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "power_timeout")
	r = stdin(t, "action=validate-all", "state_file=relative/path.json", "port=1")
	assert.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "state_file", "the agent's own Validate runs")
	r = stdin(t, "action=validate-all", d.Arg(), "port=1", "retry_on=x")
	assert.Equal(t, 1, r.Code, r)
	assert.Empty(t, d.read(t).Ops, "validate-all never touches the device")
}

func TestUnrecognisedAction(t *testing.T) {
	t.Parallel()
	d := newDevice(t, "1=on")
	for _, r := range []result{
		stdin(t, "action=x", d.Arg(), "port=1"),
		argv(t, "-o", "x", "-n", "1", "--state-file", d.Path),
	} {
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "Failed: Unrecognised action 'x'")
		assert.Empty(t, r.Stdout)
	}
	r := stdin(t, "action=", d.Arg(), "port=1")
	assert.Equal(t, 1, r.Code, "an empty action is not the default one\n%s", r)
	assert.Contains(t, r.Stderr, "Failed: Unrecognised action ''")
	r = argv(t, "-o", "", "-n", "1", "--state-file", d.Path)
	assert.Equal(t, 1, r.Code, r)
	assert.Contains(t, r.Stderr, "Failed: Unrecognised action ''")
	for _, action := range []string{"enable", "disable", "diag", "start", "stop"} {
		r := stdin(t, "action="+action, d.Arg(), "port=1")
		assert.Equal(t, 1, r.Code, r)
		assert.Contains(t, r.Stderr, "Failed: Unrecognised action '"+action+"'")
	}
	assert.Empty(t, d.read(t).Ops)
}

// TestExitCodesAreFenceAgents: whatever happens, the agent exits 0, 1 or 2, and 2 only for a
// status that read off.
func TestExitCodesAreFenceAgents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []string
		want int
	}{
		{"status on", []string{"action=status", "port=1"}, 0},
		{"status off", []string{"action=status", "port=2"}, 2},
		{"status error", []string{"action=status", "port=1", "status_error=1"}, 1},
		{"off", []string{"action=off", "port=1"}, 0},
		{"off already", []string{"action=off", "port=2"}, 0},
		{"on already", []string{"action=on", "port=1"}, 0},
		{"on", []string{"action=on", "port=2"}, 0},
		{"off set fails", []string{"action=off", "port=1", "set_fail=1"}, 1},
		{"monitor", []string{"action=monitor"}, 0},
		{"list", []string{"action=list"}, 0},
		{"no plug", []string{"action=off"}, 1},
		{"bad number", []string{"action=status", "port=1", "delay=-1"}, 1},
		{"unknown action", []string{"action=fry", "port=1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, "1=on", "2=off")
			r := stdin(t, append(tc.in, d.Arg())...)
			assert.Equal(t, tc.want, r.Code, r)
		})
	}
}

// TestBatchDevice runs the power logic against a device that implements fence.Batch (all plugs
// in one call) and, like most Go code, answers a nil error slice when nothing failed.
func TestBatchDevice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		plugs   []string
		in      []string
		code    int
		stdout  string
		states  map[string]string
		inError string
	}{
		{"status on", []string{"1=on", "2=off"}, []string{"action=status", "port=1,2"}, 0, "Status: ON\n", nil, ""},
		{"status off", []string{"1=off", "2=off"}, []string{"action=status", "port=1,2"}, 2, "Status: OFF\n", nil, ""},
		{"status error", []string{"1=off", "2=off"}, []string{"action=status", "port=1,2", "status_error=2"}, 1, "", nil, "plug 2"},
		{"status unknown", []string{"1=off", "2=off"}, []string{"action=status", "port=1,2", "unknown=1"}, 1, "", nil, "plug 1"},
		{"off", []string{"1=on", "2=on"}, []string{"action=off", "port=1,2"}, 0, "Success: Powered OFF\n",
			map[string]string{"1": "off", "2": "off"}, ""},
		{"off, one stuck", []string{"1=on", "2=on"}, []string{"action=off", "port=1,2", "stick=1", "power_timeout=1", "stonith_status_sleep=0.2"},
			1, "", nil, `1 \(ON\)`},
		{"off, one fails", []string{"1=on", "2=on"}, []string{"action=off", "port=1,2", "set_fail=2"}, 1, "", nil, "plug 2: "},
		{"off, two fail", []string{"1=on", "2=on", "3=on"}, []string{"action=off", "port=1,2,3", "set_fail=2,3"}, 1, "", nil, "plug 2: .*plug 3: "},
		{"off, one unknown", []string{"1=on", "2=off"}, []string{"action=status", "port=1,2", "unknown=2"}, 1, "", nil, "plug 2: state is unknown"},
		{"reboot", []string{"1=on", "2=on"}, []string{"action=reboot", "port=1,2"}, 0, "Success: Rebooted\n",
			map[string]string{"1": "on", "2": "on"}, ""},
		{"on", []string{"1=off", "2=off"}, []string{"action=on", "port=1,2"}, 0, "Success: Powered ON\n",
			map[string]string{"1": "on", "2": "on"}, ""},
		{"confirm fails", []string{"1=on"}, []string{"action=off", "port=1", "confirm_fail=1"}, 1, "", nil, "120 W"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, tc.plugs...)
			r := stdin(t, append(tc.in, d.Arg(), "batch=1")...)
			require.Equal(t, tc.code, r.Code, r)
			assert.Equal(t, tc.stdout, r.Stdout)
			assert.NotContains(t, r.Stderr, "panic")
			if tc.code == 1 {
				assert.NotContains(t, r.Stdout+r.Stderr, "Success")
			}
			if tc.inError != "" {
				// The exit reason itself: the flight recorder's dump names every plug anyway.
				assert.Regexp(t, "(?m)^ERROR: Failed: .*"+tc.inError, r.Stderr)
			}
			for id, want := range tc.states {
				assert.Equal(t, want, d.state(t, id), "plug %s", id)
			}
			assert.NotEmpty(t, d.ops(t, "batch"), "the batch path was used")
		})
	}
}

// A Go panic exits 2, which a status caller reads as "off". Whatever the device does, the agent
// must exit 0 or 1 unless it read off.
func TestDevicePanicIsNotOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ action, call string }{
		{"status", "open"}, {"status", "status"}, {"off", "status"}, {"off", "set"}, {"reboot", "set"},
		{"list", "list"}, {"monitor", "list"},
	} {
		for _, batch := range []string{"0", "1"} {
			t.Run(tc.action+"/"+tc.call+"/batch="+batch, func(t *testing.T) {
				t.Parallel()
				d := newDevice(t, "1=on", "2=on")
				r := stdin(t, "action="+tc.action, d.Arg(), "port=1,2", "panic_in="+tc.call, "batch="+batch,
					"power_timeout=1", "stonith_status_sleep=0.2")
				assert.Equal(t, 1, r.Code, r)
				assert.NotContains(t, r.Stdout, "OFF")
				assert.NotContains(t, r.Stdout+r.Stderr, "Success")
				assert.Contains(t, r.Stderr, "injected device bug in "+tc.call)
			})
		}
	}
}
