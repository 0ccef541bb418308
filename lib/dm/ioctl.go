package dm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Reader reads a device's table and status through the device-mapper ioctls (sysio.World.DM),
// so that a monitor spawns nothing; its answers are what dmsetup table and status print, for
// the same parsers. When the kernel refuses the ioctls (not root, an unexpected interface) it
// asks dmsetup, which stays the tool for everything that changes a device.
type Reader struct {
	dm      sysio.DeviceMapper
	files   sysio.Files
	dmsetup *Dmsetup
}

// NewReader returns a Reader working through w, with d as its fallback.
func NewReader(w sysio.World, d *Dmsetup) *Reader {
	return &Reader{dm: w.DM, files: w.Files, dmsetup: d}
}

// miscDevice is where the kernel lists device-mapper's control device once dm-mod is loaded.
const miscDevice = "/sys/class/misc/device-mapper"

// Table returns the live table of the named device as `dmsetup table` prints it, or an error
// satisfying ErrNoDevice.
func (r *Reader) Table(ctx context.Context, name string) (string, error) {
	return r.query(ctx, sysio.DMTable, name, r.dmsetup.Table)
}

// Status returns the status lines of the named device as `dmsetup status` prints them.
func (r *Reader) Status(ctx context.Context, name string) (string, error) {
	return r.query(ctx, sysio.DMStatus, name, r.dmsetup.Status)
}

func (r *Reader) query(ctx context.Context, op sysio.DMOp, name string, fallback func(context.Context, string) (string, error)) (string, error) {
	rep, err := r.dm.Query(ctx, sysio.DMQuery{Op: op, Name: name})
	switch {
	case err == nil:
		return lines(rep.Targets), nil
	case errors.Is(err, sysio.ErrDMNoDevice):
		return "", fmt.Errorf("%w: %s", ErrNoDevice, name)
	case errors.Is(err, sysio.ErrDMNoControl):
		// Without dm-mod loaded no device can exist; with it loaded but no node (no
		// devtmpfs) dmsetup makes the node and answers.
		if _, serr := r.files.Stat(miscDevice); serr != nil {
			return "", fmt.Errorf("%w: %s (device-mapper is not loaded)", ErrNoDevice, name)
		}
	case ctx.Err() != nil:
		return "", err
	}
	return fallback(ctx, name)
}

// lines prints targets as libdevmapper's _display_table does: "START LENGTH TYPE PARAMS".
func lines(ts []sysio.DMTarget) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%d %d %s %s\n", t.Start, t.Length, t.Type, t.Params)
	}
	return b.String()
}
