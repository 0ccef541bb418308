package fence_test

// A device whose switch answers the plug's state (fence.SwitchFirst) is switched without a
// read first: the only read left is the one that confirms, after power_wait.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSwitchFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, action string
		plugs        []string
		port, stdout string
		ops          []string // every device operation after open, in order
	}{
		{"off", "off", []string{"1=on"}, "1", "Success: Powered OFF\n", []string{"set 1 off", "status 1", "confirm 1"}},
		// Never "Already OFF": nothing read it off before the switch.
		{"off, already off", "off", []string{"1=off"}, "1", "Success: Powered OFF\n", []string{"set 1 off", "status 1", "confirm 1"}},
		{"on", "on", []string{"1=off"}, "1", "Success: Powered ON\n", []string{"set 1 on", "status 1"}},
		{"on, already on", "on", []string{"1=on"}, "1", "Success: Powered ON\n", []string{"set 1 on", "status 1"}},
		{"reboot", "reboot", []string{"1=on"}, "1", "Success: Rebooted\n", []string{"set 1 off", "status 1", "confirm 1", "set 1 on", "status 1"}},
		{"reboot from off", "reboot", []string{"1=off"}, "1", "Success: Rebooted\n", []string{"set 1 off", "status 1", "confirm 1", "set 1 on", "status 1"}},
		{"status reads", "status", []string{"1=on"}, "1", "Status: ON\n", []string{"status 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDevice(t, tc.plugs...)
			r := stdin(t, "action="+tc.action, d.Arg(), "port="+tc.port, "answers=1")
			require.Equal(t, 0, r.Code, r)
			assert.Equal(t, tc.stdout, r.Stdout)
			ops := d.ops(t, "")
			require.Equal(t, "open", ops[0])
			assert.Equal(t, tc.ops, ops[1:])
		})
	}
	t.Run("off, two plugs: both switched, then each read", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on", "2=off")
		r := stdin(t, "action=off", d.Arg(), "port=1,2", "answers=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Powered OFF\n", r.Stdout)
		ops := d.ops(t, "")
		assert.Equal(t, []string{"set 1 off", "set 2 off"}, sorted(ops[1:3]), "no read before the switches")
		assert.Equal(t, []string{"status 1", "status 2"}, sorted(ops[3:5]))
		assert.Equal(t, []string{"confirm 1,2"}, ops[5:])
	})
	t.Run("on, two plugs, one on: read first, nothing switched", func(t *testing.T) {
		t.Parallel()
		// Any plug on counts as on, as in fence-agents, and on then switches none.
		d := newDevice(t, "1=off", "2=on")
		r := stdin(t, "action=on", d.Arg(), "port=1,2", "answers=1")
		require.Equal(t, 0, r.Code, r)
		assert.Equal(t, "Success: Already ON\n", r.Stdout)
		assert.Equal(t, []string{"status 1", "status 2"}, sorted(d.ops(t, "")[1:]))
	})
	t.Run("off, answer unreadable: fails, never off", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=off", d.Arg(), "port=1", "answers=1", "status_error=1", "power_wait=30")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Contains(t, r.Stderr, "answer could not be read")
		assert.Empty(t, d.ops(t, "status"), "a switch that failed is not waited for nor read back")
	})
	t.Run("off, unknown after the switch: never off", func(t *testing.T) {
		t.Parallel()
		d := newDevice(t, "1=on")
		r := stdin(t, "action=off", d.Arg(), "port=1", "answers=1", "unknown=1", "power_timeout=1", "stonith_status_sleep=0.2")
		require.Equal(t, 1, r.Code, r)
		assert.NotContains(t, r.Stdout+r.Stderr, "Success")
		assert.Contains(t, r.Stderr, "1 (UNKNOWN)")
		assert.Empty(t, d.ops(t, "confirm"))
	})
}
