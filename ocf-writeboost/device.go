package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// foreign is a device of our name that is not a writeboost device: not this resource.
type foreign struct{ error }

func (f foreign) Unwrap() error { return f.error }

func isForeign(err error) bool { var f foreign; return errors.As(err, &f) }

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
		return dm.Table{}, foreign{ocf.Exit(ocf.ErrGeneric, "device %s is not a writeboost device, so not this resource: %v", w.c.name, err)}
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

// clearInactive drops an inactive table a `dmsetup reload` left on the device: any resume
// (ours, to flush or to end a suspend) would swap it in unverified, and this agent never
// loads one.
func (w *wb) clearInactive(i dm.Info) error {
	if !i.InactiveTable {
		return nil
	}
	w.r.Log.Warnf("device %s has an inactive table loaded, which a resume would swap in: clearing it", w.c.name)
	if err := w.dm.Clear(w.r.Ctx, w.c.name); err != nil {
		return ocf.Exit(ocf.ErrGeneric, "device %s has an inactive table that could not be cleared (%v): check it with dmsetup table --inactive %s", w.c.name, err, w.c.name)
	}
	return nil
}

// vanished checks that the devices the live table maps still exist: a cache or backing
// device pulled from under the mapping fails every IO, which is an error, not a degradation.
func (w *wb) vanished(live dm.Table) error {
	for _, p := range []struct{ param, dev string }{{"backing_dev", live.Backing}, {"cache_dev", live.Cache}} {
		var maj, min uint32
		if _, err := fmt.Sscanf(p.dev, "%d:%d", &maj, &min); err != nil {
			continue // a path in a table the kernel printed: compared elsewhere
		}
		if _, err := dm.Sectors(w.r.P.Files, maj, min); errors.Is(err, fs.ErrNotExist) {
			return ocf.Exit(ocf.ErrGeneric, "%s %s of device %s has vanished: its IO fails", p.param, p.dev, w.c.name)
		}
	}
	return nil
}

// dmsetupInstalled checks that dmsetup runs: without it a start would get as far as the
// create and report "not installed" as a failed create.
func (w *wb) dmsetupInstalled() error {
	res, err := w.r.P.Exec.Run(w.r.Ctx, sysio.Cmd{Argv: []string{"dmsetup", "version"}})
	switch {
	case errors.Is(err, sysio.ErrNotFound):
		return ocf.Exit(ocf.ErrInstalled, "dmsetup is not installed (Debian package dmsetup)")
	case err != nil:
		return err
	case res.ExitCode != 0:
		return ocf.Exit(ocf.ErrInstalled, "dmsetup version failed: is device-mapper in the kernel? (%s)", res.Stderr)
	}
	return nil
}

// cleanup runs a step that must happen even after the action's budget ran out (resuming a
// device we suspended), with the little time the runtime keeps for returning.
func (w *wb) cleanup(f func(ctx context.Context) error) error {
	ctx, cancel := sysio.WithTimeout(w.r.P.Clock, context.WithoutCancel(w.r.Ctx), cleanupTime)
	defer cancel()
	return f(ctx)
}

// cleanupTime bounds a clean-up step; the runtime's margin after the budget is at least 2s.
const cleanupTime = time.Second

// mib is a number of 4 KiB cache blocks in MiB, for humans.
func mib(blocks uint64) string { return fmt.Sprintf("%.1f MiB", float64(blocks)/256) }
