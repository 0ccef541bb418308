package main

import (
	"errors"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
)

// unconfigured answers a stop or a probe whose parameters do not check (the runtime's
// Actions.Unconfigured, and stop and monitor for parameters that do not go together). It says
// "stopped" when the resource cannot be running here: no device of that name, a name start
// would refuse, or a device of that name that is not a writeboost one. A stop that finds the device
// stops it anyway by its live table — flushing unless stop_mode says keep, never zeroing —
// since failing would get the node fenced and flushing loses nothing.
func unconfigured(r *ocf.Request, bad error) error {
	name := r.Values.String("name")
	if !r.Values.IsSet("name") || dm.ValidName(name) != nil {
		// Start refuses such a name, so no device of it can be this resource's: whatever has
		// it is not ours to stop, and saying "cannot tell" would get every node fenced.
		r.Log.Warnf("parameter name %q is not one start accepts: this resource cannot be running here (%v)", name, bad)
		return nil
	}
	w := &wb{r: r, c: config{name: name, flush: r.Values.String("stop_mode") != "keep"}, dm: dm.New(r.P.World)}
	_, err := w.info()
	switch {
	case errors.Is(err, errAbsent):
		return nil
	case err != nil:
		return err
	case r.Action == "stop":
		r.Log.Warnf("stopping %s by its live table although the parameters do not check: %v", name, bad)
		return w.stop(true) // a device that is not writeboost is left alone there
	}
	if _, err := w.live(); isForeign(err) {
		r.Log.Warnf("%v", err)
		return nil
	}
	return ocf.Exit(ocf.ErrGeneric, "device %s runs, but the parameters do not check: %v", name, bad)
}
