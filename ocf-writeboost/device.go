package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// wb is one action on the resource's device.
type wb struct {
	r    *ocf.Request
	c    config
	dm   *dm.Dmsetup
	read reader // table and status: the monitor's ioctls; nil: dmsetup
}

func (w *wb) reader() reader {
	if w.read != nil {
		return w.read
	}
	return w.dm
}

// reader reads a device's table and status, as dmsetup prints them.
type reader interface {
	Table(ctx context.Context, name string) (string, error)
	Status(ctx context.Context, name string) (string, error)
}

func newWB(r *ocf.Request) (*wb, error) {
	c, err := newConfig(r.Values)
	if err != nil {
		return nil, err
	}
	return &wb{r: r, c: c, dm: dm.New(r.P.World)}, nil
}

// errAbsent says the device does not exist on this node.
var errAbsent = errors.New("the device does not exist")

// info returns the device's state, or errAbsent when the kernel has no device of that name.
func (w *wb) info() (dm.Info, error) {
	i, err := w.dm.Info(w.r.Ctx, w.c.name)
	if err != nil {
		return dm.Info{}, w.absent(err)
	}
	w.r.Log.Debugf("%s is %s: suspended %v, live table %v, open count %d", w.c.name, i.Dev(), i.Suspended, i.LiveTable, i.OpenCount)
	return i, nil
}

// absent interprets a failed dmsetup command: errAbsent when the device does not exist. When
// dmsetup cannot answer (not installed, no device-mapper in the kernel) sysfs decides: that is
// how a probe on a node without any of it still reports "not running", and never 1.
func (w *wb) absent(err error) error {
	if errors.Is(err, dm.ErrNoDevice) {
		return errAbsent
	}
	if w.r.Ctx.Err() != nil {
		return err
	}
	kname, serr := dm.FindByName(w.r.P.Files, w.c.name)
	switch {
	case serr != nil:
		return fmt.Errorf("%v; and sysfs: %v", err, serr)
	case kname == "":
		w.r.Log.Debugf("%v; sysfs has no device-mapper device %s either", err, w.c.name)
		return errAbsent
	case errors.Is(err, sysio.ErrNotFound):
		// Not 5: a probe answering 5 counts as stopped, and the device is there.
		return ocf.Exit(ocf.ErrGeneric, "device %s exists (%s) but dmsetup is not installed: install it (Debian package dmsetup)", w.c.name, kname)
	}
	return err
}

// compare reads the live table and says how it differs from the configuration.
func (w *wb) compare(withSize bool) (dm.Table, []string, error) {
	live, err := w.live()
	if err != nil {
		return dm.Table{}, nil, err
	}
	m, err := w.mismatch(live, withSize)
	return live, m, err
}

// mismatch lists how live differs from the configured table; withSize also compares its
// length with the backing device's size, which a start sets.
func (w *wb) mismatch(live dm.Table, withSize bool) ([]string, error) {
	files := w.r.P.Files
	d, err := w.c.devices(files)
	if err != nil {
		return nil, err
	}
	var sectors uint64
	if withSize {
		if sectors, err = dm.Sectors(files, d.backing.Major, d.backing.Minor); err != nil {
			return nil, fmt.Errorf("backing_dev size: %w", err)
		}
	}
	return d.want(w.c, sectors).Mismatch(live), nil
}

// live reads and parses the live table; errAbsent when there is no such device.
func (w *wb) live() (dm.Table, error) {
	out, err := w.reader().Table(w.r.Ctx, w.c.name)
	if err != nil {
		return dm.Table{}, w.absent(err)
	}
	w.r.Log.Debugf("table: %s", strings.TrimSpace(out))
	if strings.TrimSpace(out) == "" {
		return dm.Table{}, ocf.Exit(ocf.ErrGeneric, "device %s exists without a live table (an interrupted create?): stop the resource to remove it", w.c.name)
	}
	t, err := dm.ParseTable(out)
	if err != nil {
		return dm.Table{}, ocf.Exit(ocf.ErrGeneric, "device %s is not what this resource manages: %v", w.c.name, err)
	}
	return t, nil
}

// status reads and parses the status.
func (w *wb) status(ctx context.Context) (dm.Status, error) {
	out, err := w.reader().Status(ctx, w.c.name)
	if err != nil {
		return dm.Status{}, err
	}
	w.r.Log.Debugf("status: %s", strings.TrimSpace(out))
	return dm.ParseStatus(out)
}

// tunableDrift lists configured tunables the device does not run with. The status reports
// four of the five: nr_max_batched_writeback shows only as the current batch.
func (w *wb) tunableDrift(s dm.Status) []string {
	var out []string
	for _, k := range dm.StatusTunables {
		want, ok := w.c.opts[k]
		if ok && s.Tunables[k] != want {
			out = append(out, fmt.Sprintf("%s is %d, configured %d", k, s.Tunables[k], want))
		}
	}
	return out
}

// inUse explains who has the device open: the devices stacked on it and its mount points.
func (w *wb) inUse(i dm.Info) string {
	var users []string
	if h, err := dm.Holders(w.r.P.Files, i.Major, i.Minor); err == nil && len(h) > 0 {
		users = append(users, "holders "+strings.Join(h, ","))
	}
	if m, err := dm.Mounts(w.r.P.Files, i.Major, i.Minor); err == nil && len(m) > 0 {
		users = append(users, "mounted on "+strings.Join(m, ","))
	}
	if len(users) == 0 {
		return "a process has it open"
	}
	return strings.Join(users, "; ")
}

// cleanup runs a step that must happen even after the action's budget ran out (resuming a
// device we suspended), with the little time the runtime keeps for returning.
func (w *wb) cleanup(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.r.Ctx), cleanupTime)
	defer cancel()
	return f(ctx)
}

// cleanupTime bounds a clean-up step; the runtime's margin after the budget is at least 2s.
const cleanupTime = time.Second

// mib is a number of 4 KiB cache blocks in MiB, for humans.
func mib(blocks uint64) string { return fmt.Sprintf("%.1f MiB", float64(blocks)/256) }
