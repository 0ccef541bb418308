package main

import (
	"errors"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
)

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
	i, err := w.info()
	switch {
	case errors.Is(err, errAbsent):
		return ocf.NotRunning
	case err != nil:
		return err
	case !i.LiveTable:
		return ocf.Exit(ocf.ErrGeneric, "device %s exists without a live table (an interrupted create?)", w.c.name)
	case i.Suspended:
		return ocf.Exit(ocf.ErrGeneric, "device %s is suspended: IO to it is blocked", w.c.name)
	}
	live, err := w.live()
	if err != nil {
		return err
	}
	var warnings []string
	d, err := w.c.devices(r.P.Files)
	if err != nil {
		// The device runs; only the configured paths cannot be checked here.
		warnings = append(warnings, "cannot check the table: "+err.Error())
	} else if m := d.want(w.c, 0).Mismatch(live); len(m) > 0 {
		r.Log.Errorf("device %s runs with table %q, which differs from the configuration: %s", w.c.name, live, strings.Join(m, "; "))
		return ocf.Exit(ocf.ErrGeneric, "device %s runs with another table: %s", w.c.name, m[0])
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
