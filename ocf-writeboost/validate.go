package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf"
)

// validate is validate-all: at depth 0 the parameters alone (newConfig); from depth 10 this
// node's ability to run the resource — dmsetup, the module, the devices — without changing
// anything.
func validate(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil || r.Depth < 10 {
		return err
	}
	if err := w.dmsetupInstalled(); err != nil {
		return err
	}
	if err := w.dm.ModuleAvailable(r.Ctx); err != nil {
		return ocf.Exit(ocf.ErrInstalled, "the dm-writeboost kernel module is not available: install dm-writeboost-dkms (%v)", err)
	}
	d, err := w.c.devices(r.P.Files)
	if err != nil {
		return err
	}
	if _, err := w.sizes(d); err != nil {
		return err
	}
	return nil
}
