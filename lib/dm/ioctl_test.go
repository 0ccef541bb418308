package dm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real ioctls run in the lab guest (the monitor tapes of simulator/tapes/writeboost and
// tests/writeboost-nofork.host.sh). Here: which answers the Reader takes from the kernel and
// which it leaves to dmsetup.

type answerDM struct{ err error }

func (a answerDM) Query(_ context.Context, q sysio.DMQuery) (sysio.DMReply, error) {
	if a.err != nil {
		return sysio.DMReply{}, a.err
	}
	return sysio.DMReply{LiveTable: true, Targets: []sysio.DMTarget{{Start: 0, Length: 8, Type: "writeboost", Params: "7:0 7:1 " + string(q.Op)}}}, nil
}

// miscFiles has the device-mapper misc device or not.
type miscFiles struct {
	sysio.Files
	loaded bool
}

func (m miscFiles) Stat(path string) (sysio.FileInfo, error) {
	if path == miscDevice && m.loaded {
		return sysio.FileInfo{Mode: fs.ModeDir | 0o755}, nil
	}
	return sysio.FileInfo{}, fs.ErrNotExist
}

func TestReader(t *testing.T) {
	ctx := context.Background()
	refused := &fs.PathError{Op: "open", Path: "/dev/mapper/control", Err: fs.ErrPermission}
	for _, tc := range []struct {
		name    string
		err     error
		loaded  bool
		dmsetup bool // dmsetup was asked
		want    string
		noDev   bool
	}{
		{name: "ioctl answers", want: "0 8 writeboost 7:0 7:1 table\n"},
		{name: "no such device", err: fmt.Errorf("wb: %w", sysio.ErrDMNoDevice), noDev: true},
		{name: "dm-mod not loaded", err: sysio.ErrDMNoControl, noDev: true},
		{name: "no control node, dm-mod loaded", err: sysio.ErrDMNoControl, loaded: true, dmsetup: true},
		{name: "refused", err: refused, dmsetup: true},
		{name: "other", err: errors.New("EINVAL"), dmsetup: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &argvOnly{}
			w := sysio.World{Exec: ex, Files: miscFiles{loaded: tc.loaded}, DM: answerDM{tc.err}}
			out, err := NewReader(w, New(w)).Table(ctx, "wb")
			assert.Equal(t, tc.noDev, errors.Is(err, ErrNoDevice), "%v", err)
			if tc.dmsetup {
				require.Len(t, ex.got, 1)
				assert.Equal(t, []string{"dmsetup", "table", "wb"}, ex.got[0].Argv)
				return
			}
			assert.Empty(t, ex.got, "dmsetup was run")
			assert.Equal(t, tc.want, out)
		})
	}
	out, err := NewReader(sysio.World{DM: answerDM{}}, nil).Status(ctx, "wb")
	require.NoError(t, err)
	assert.Equal(t, "0 8 writeboost 7:0 7:1 status\n", out)
}
