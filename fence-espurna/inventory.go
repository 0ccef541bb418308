package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/agents/param"
)

// List names the plugs of `plugs` (or the plug at ip): id is the plug address, alias the node.
func (d *device) List(ctx context.Context) ([]fence.Outlet, error) {
	inv := parseInventory(d.r.Values.String("plugs"))
	if len(inv.order) == 0 {
		ip := d.r.Values.String("ip")
		if ip == "" {
			return nil, errors.New("nothing to list: set plugs (e.g. plugs=\"node1=plug1.lan node2=plug2.lan\") or ip")
		}
		if hostOffset(d.r.Values) {
			return nil, errors.New("nothing to list: with plug_addressing=host-offset, ip is a base address, not a plug; set plugs (e.g. plugs=\"node1=1 node2=2\")")
		}
		return []fence.Outlet{{ID: "0", Alias: ip}}, nil
	}
	out := make([]fence.Outlet, len(inv.order))
	for i, a := range inv.order {
		out[i] = fence.Outlet{ID: a, Alias: inv.alias[a]}
	}
	return out, nil
}

// Monitor checks what can be checked without a target: the broker (connected in open) and the
// plugs we know of are reachable and, over MQTT, online.
func (d *device) Monitor(ctx context.Context) error {
	outlets, err := d.List(ctx)
	if err != nil {
		// Failing would stop the stonith device and leave the cluster unable to fence with a
		// configuration that can: say loudly what was not checked instead.
		if d.mqtt != nil {
			d.r.Log.Warnf("monitor checked the broker only: no plug is configured to check (set plugs=, e.g. plugs=\"node1=plug1.lan node2=plug2.lan\")")
		} else {
			d.r.Log.Warnf("monitor checked nothing: %v", err)
		}
		return nil
	}
	names := make([]string, len(outlets))
	for i, o := range outlets {
		names[i] = o.ID
	}
	if d.mqtt != nil {
		return d.present(ctx, names)
	}
	_, errs := d.StatusAll(ctx, names)
	if err := fence.JoinErrors(errs...); err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	return nil
}

// present is monitor over MQTT: every plug announced itself online. Its relay is not read: a
// monitor never reports off, and firmware before 1.15 answers no query for it.
func (d *device) present(ctx context.Context, names []string) error {
	plugs, err := resolve(d.r, names)
	if err != nil {
		return err
	}
	roots, _ := d.topics(plugs)
	if err := d.mqtt.Present(ctx, roots); err != nil {
		return fmt.Errorf("monitor: %s", explain(err, d.mqtt.Wait))
	}
	var errs []error
	for i, p := range plugs {
		errs = append(errs, d.absent(p, roots[i]))
	}
	if err := fence.JoinErrors(errs...); err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	return nil
}

// hostOffset: a bare number is the plug at ip + number (isard-flock's addressing), not a relay.
func hostOffset(v param.Values) bool { return v.String("plug_addressing") == "host-offset" }
