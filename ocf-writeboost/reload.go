package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
)

// reload applies the reloadable parameters — the tunables — to the running device.
func reload(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil {
		return err
	}
	i, err := w.info()
	switch {
	case errors.Is(err, errAbsent):
		r.Log.Infof("device %s is not running here: the new values apply at its next start", w.c.name)
		return nil
	case err != nil:
		return err
	case !i.LiveTable || i.Suspended:
		return ocf.Exit(ocf.ErrGeneric, "device %s is not active: cannot apply tunables", w.c.name)
	}
	_, m, err := w.compare(false)
	if err != nil {
		return err
	}
	if len(m) > 0 {
		// Pacemaker restarts for create-only changes; a reload that meets one was asked by hand.
		return ocf.Exit(ocf.ErrGeneric, "cannot reload %s: %s; create-only options and devices take a restart", w.c.name, m[0])
	}
	return w.applyTunables()
}

// applyTunables sends a message for each tunable the device does not run with, then checks
// the status. nr_max_batched_writeback is always sent: the status shows only the current batch.
func (w *wb) applyTunables() error {
	r := w.r
	st, err := w.status(r.Ctx)
	if err != nil {
		return err
	}
	var applied []string
	for _, o := range dm.Options {
		v := w.c.opts[o.Key]
		if cur, shown := st.Tunables[o.Key]; o.Static || shown && cur == v {
			continue
		}
		val := strconv.FormatUint(v, 10)
		if err := w.dm.Message(r.Ctx, w.c.name, o.Key, val); err != nil {
			return err
		}
		applied = append(applied, o.Key+"="+val)
	}
	if len(applied) > 0 {
		if st, err = w.status(r.Ctx); err != nil {
			return err
		}
		if drift := w.tunableDrift(st); len(drift) > 0 {
			return ocf.Exit(ocf.ErrGeneric, "device %s did not take the tunables: %s", w.c.name, drift[0])
		}
	}
	r.Log.Infof("device %s runs with %s", w.c.name, strings.Join(applied, ", "))
	return nil
}
