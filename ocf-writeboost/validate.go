package main

import (
	"errors"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// validate is validate-all: at depth 0 the parameters alone (newConfig); from depth 10 this
// node's ability to run the resource — dmsetup, the module, the devices — without changing
// anything.
func validate(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil || r.Depth < 10 {
		return err
	}
	res, err := r.P.Exec.Run(r.Ctx, sysio.Cmd{Argv: []string{"dmsetup", "version"}})
	switch {
	case errors.Is(err, sysio.ErrNotFound):
		return ocf.Exit(ocf.ErrInstalled, "dmsetup is not installed (Debian package dmsetup)")
	case err != nil:
		return err
	case res.ExitCode != 0:
		return ocf.Exit(ocf.ErrInstalled, "dmsetup version failed: is device-mapper in the kernel? (%s)", res.Stderr)
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
