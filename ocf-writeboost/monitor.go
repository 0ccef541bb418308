package main

import (
	"errors"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
)

// state is the running device's state: from its /dev/mapper node and sysfs, or from dmsetup
// info when those cannot tell (no node, a stale one).
func (w *wb) state() (dm.Info, error) {
	if i, ok := dm.MapperState(w.r.P.Files, w.c.name); ok {
		w.r.Log.Debugf("%s is %s: suspended %v (sysfs)", w.c.name, i.Dev(), i.Suspended)
		return i, nil
	}
	return w.info()
}

func monitor(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil {
		if r.Probe {
			if err := unconfigured(r, err); err != nil {
				return err
			}
			return ocf.NotRunning
		}
		return err
	}
	// The table and the status through device-mapper ioctls and the rest from sysfs: a
	// monitor runs every 30 seconds on every node, and a dmsetup run would be most of its cost.
	w.read = dm.NewReader(r.P.World, w.dm)
	live, err := w.live()
	switch {
	case errors.Is(err, errAbsent):
		return ocf.NotRunning
	case isForeign(err) && r.Probe:
		// Another device has the name: this resource does not run here (and cannot start).
		r.Log.Warnf("%v", err)
		return ocf.NotRunning
	case err != nil:
		return err
	}
	i, err := w.state()
	switch {
	case errors.Is(err, errAbsent): // removed since the table was read
		return ocf.NotRunning
	case err != nil:
		return err
	case i.Suspended:
		return ocf.Exit(ocf.ErrGeneric, "device %s is suspended, which blocks its IO: resume it (dmsetup resume %s) or let the cluster recover it", w.c.name, w.c.name)
	}
	var warnings []string
	d, err := w.c.devices(r.P.Files)
	if err != nil {
		// A configured device that is gone or is something else now: the resource must move.
		return ocf.Exit(ocf.ErrGeneric, "device %s runs, but %v", w.c.name, err)
	} else if m := d.want(w.c, 0).Mismatch(live); len(m) > 0 {
		r.Log.Errorf("device %s runs with table %q, which differs from the configuration: %s", w.c.name, live, strings.Join(m, "; "))
		return ocf.Exit(ocf.ErrGeneric, "device %s runs with another table: %s", w.c.name, m[0])
	}
	if err := w.vanished(live); err != nil {
		return err
	}
	st, err := w.status(r.Ctx)
	if err != nil {
		return err
	}
	warnings = append(warnings, w.tunableDrift(st)...)
	if r.Depth >= 10 {
		warnings = append(warnings, w.health(i, live, st, d)...)
	}
	r.Log.Debugf("%s: %d of %d blocks dirty, segments: current %d, flushed %d, written back %d",
		w.c.name, st.NrDirty, st.NrCacheBlocks, st.CurrentID, st.LastFlushedID, st.LastWritebackID)
	if len(warnings) > 0 {
		for _, s := range warnings {
			r.Log.Warnf("%s: %s", w.c.name, s)
		}
		return ocf.Exit(ocf.Degraded, "%s", strings.Join(warnings, "; "))
	}
	return nil
}
