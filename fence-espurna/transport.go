package main

import (
	"context"
	"fmt"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/espurna"
)

// relays reads each plug's relay over the configured transport.
func (d *device) relays(ctx context.Context, plugs []espurna.Plug) ([]fence.State, []error) {
	st := make([]fence.State, len(plugs))
	errs := make([]error, len(plugs))
	if d.mqtt == nil {
		panics := byHost(plugs, func(i int, p espurna.Plug) {
			on, err := d.http.Relay(ctx, p)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %s", p, explain(err, d.http.Timeout))
				return
			}
			st[i] = map[bool]fence.State{true: fence.On, false: fence.Off}[on]
		})
		for i, err := range panics {
			if err != nil {
				st[i], errs[i] = fence.Unknown, err
			}
		}
		return st, errs
	}
	roots, ids := d.topics(plugs)
	known, err := d.mqtt.Relays(ctx, roots, ids)
	if err != nil {
		for i, p := range plugs {
			errs[i] = fmt.Errorf("%s: %s", p, explain(err, d.mqtt.Wait))
		}
		return st, errs
	}
	for i, p := range plugs {
		if errs[i] = d.absent(p, roots[i]); errs[i] != nil {
			continue
		}
		if k := known[i].State; k != nil {
			st[i] = map[bool]fence.State{true: fence.On, false: fence.Off}[*k]
			continue
		}
		// Firmware up to 1.14.1 answers no query: an unchanged relay speaks only at its
		// heartbeat (300 s), and a plug gone without its will is just as silent.
		errs[i] = fence.Unknownf("%s: no live report on %s/relay/%d within %s of asking (retained state is not evidence; firmware before 1.15 answers no MQTT query: read it over HTTP with ip)",
			p, roots[i], ids[i], d.mqtt.Wait)
	}
	return st, errs
}

// absent says why a plug cannot take a command: it never spoke, or its will says it is gone.
func (d *device) absent(p espurna.Plug, root string) error {
	switch online, heard := d.mqtt.Online(root); {
	case !heard:
		return fmt.Errorf("%s: nothing on %s/status within %s: wrong mqtt_topic, or the plug is not connected to this broker", p, root, d.mqtt.Wait)
	case !online:
		return fmt.Errorf("%s: the plug is offline (its last will on %s/status says 0)", p, root)
	}
	return nil
}

func (d *device) topics(plugs []espurna.Plug) ([]string, []int) {
	roots := make([]string, len(plugs))
	ids := make([]int, len(plugs))
	for i, p := range plugs {
		roots[i], ids[i] = d.root(p), p.Relay
	}
	return roots, ids
}

// set switches each plug's relay. Over MQTT a plug must be online first: a command to an
// offline plug would wait in nobody's queue.
func (d *device) set(ctx context.Context, plugs []espurna.Plug, on bool) []error {
	errs := make([]error, len(plugs))
	if d.mqtt == nil {
		panics := byHost(plugs, func(i int, p espurna.Plug) {
			if err := d.http.SetRelay(ctx, p, on); err != nil {
				errs[i] = fmt.Errorf("%s: %s", p, explain(err, d.http.Timeout))
			}
		})
		for i, err := range panics {
			if err != nil {
				errs[i] = err
			}
		}
		return errs
	}
	roots, _ := d.topics(plugs)
	if err := d.mqtt.Present(ctx, roots); err != nil {
		for i, p := range plugs {
			errs[i] = fmt.Errorf("%s: %s", p, explain(err, d.mqtt.Wait))
		}
		return errs
	}
	for i, p := range plugs {
		if errs[i] = d.absent(p, roots[i]); errs[i] != nil {
			continue
		}
		if err := d.mqtt.Set(ctx, d.root(p), p.Relay, on); err != nil {
			errs[i] = fmt.Errorf("%s: %s", p, explain(err, d.mqtt.Wait))
		}
	}
	return errs
}

// ConfirmOff asks the power meters, when a threshold is set: a relay that reads off while the
// meter still sees the node's load is welded, bypassed, or not the node's supply.
func (d *device) ConfirmOff(ctx context.Context, names []string) error {
	limit := float64(d.r.Values.Int("power_off_threshold"))
	if limit <= 0 {
		return nil
	}
	plugs, err := resolve(d.r, names)
	if err != nil {
		return err
	}
	clock := d.r.Proc.Clock
	budget := d.r.Values.Duration("power_timeout")
	start := clock.Now()
	var errs []error
	seen := map[string]bool{}
	for _, p := range plugs {
		if seen[p.Host] {
			continue // one meter per plug, whatever its relays
		}
		seen[p.Host] = true
		var last float64
		var have bool
		for {
			w, ok, err := d.power(ctx, p, start, budget-clock.Now().Sub(start))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: reading the power meter: %s", p, explain(err, requestTimeout(d.r))))
				break
			}
			if ok {
				last, have = w, true
				d.r.Log.Debugf("%s: meter reads %.1f W (threshold %.0f W)", p, w, limit)
				if w <= limit {
					break
				}
			}
			if budget > 0 && clock.Now().Sub(start) >= budget {
				if have {
					errs = append(errs, fmt.Errorf("%s: the relay reads off but the meter still reads %.1f W (threshold %.0f W) after %s: %s", p, last, limit, budget, stillDrawing(d.mqtt != nil)))
				} else {
					errs = append(errs, fmt.Errorf("%s: the relay reads off but the meter reported nothing within %s (stock firmware reports about once a minute: enable real-time reporting or raise power_timeout)", p, budget))
				}
				break
			}
			if err := clock.Sleep(ctx, max(d.r.Values.Duration("stonith_status_sleep"), 100*time.Millisecond)); err != nil {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// stillDrawing says what a meter above the threshold after power_timeout can mean. Over MQTT the
// reading came after the switch; over HTTP the plug answers its last report, which stock
// firmware makes about once a minute and may be from before the cut.
func stillDrawing(fresh bool) string {
	const why = "relay welded, or node fed elsewhere"
	if fresh {
		return why
	}
	return "the report may predate the cut (stock firmware reports about once a minute: enable real-time reporting or raise power_timeout), else " + why
}

// power returns a meter reading: over HTTP the current report, over MQTT one reported after since.
func (d *device) power(ctx context.Context, p espurna.Plug, since time.Time, wait time.Duration) (float64, bool, error) {
	if d.mqtt == nil {
		w, err := d.http.Power(ctx, p.Host)
		return w, err == nil, err
	}
	if wait <= 0 || wait > d.mqtt.Wait {
		wait = d.mqtt.Wait
	}
	return d.mqtt.Power(ctx, d.root(p), since, wait)
}
