package dm

import (
	"context"
	"io/fs"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real dmsetup runs in the lab guest (tapes in simulator/tapes/writeboost), which has no
// udev. What changes with udev running is only the command line, checked here.

type argvOnly struct{ got []sysio.Cmd }

func (a *argvOnly) Run(_ context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	a.got = append(a.got, c)
	return sysio.CmdResult{}, nil
}

// udevFiles answers only the stat of udevd's control socket.
type udevFiles struct {
	sysio.Files
	running bool
}

func (u udevFiles) Stat(path string) (sysio.FileInfo, error) {
	if path == udevControl && u.running {
		return sysio.FileInfo{Mode: fs.ModeSocket | 0o600}, nil
	}
	return sysio.FileInfo{}, fs.ErrNotExist
}

func TestUdev(t *testing.T) {
	ctx := context.Background()
	for _, running := range []bool{false, true} {
		ex := &argvOnly{}
		d := New(sysio.World{Exec: ex, Files: udevFiles{running: running}})
		require.NoError(t, d.Create(ctx, "wb", "0 8 writeboost /dev/vdb /dev/vdc"))
		require.NoError(t, d.Message(ctx, "wb", "drop_caches"))
		require.NoError(t, d.Remove(ctx, "wb"))
		if running {
			// libdevmapper waits for udev to make the nodes, as on any node with udev.
			assert.Equal(t, []string{"dmsetup", "create", "wb", "--table", "0 8 writeboost /dev/vdb /dev/vdc"}, ex.got[0].Argv)
			assert.Empty(t, ex.got[0].Env)
			assert.Equal(t, []string{"dmsetup", "remove", "wb"}, ex.got[2].Argv)
		} else {
			assert.Equal(t, []string{"dmsetup", "--noudevsync", "create", "wb", "--table", "0 8 writeboost /dev/vdb /dev/vdc"}, ex.got[0].Argv)
			assert.Equal(t, []string{"DM_DISABLE_UDEV=1"}, ex.got[0].Env)
			assert.Equal(t, []string{"dmsetup", "--noudevsync", "remove", "wb"}, ex.got[2].Argv)
		}
		// A message makes no node: never any udev option.
		assert.Equal(t, []string{"dmsetup", "message", "wb", "0", "drop_caches"}, ex.got[1].Argv)
		assert.Empty(t, ex.got[1].Env)
	}
}
