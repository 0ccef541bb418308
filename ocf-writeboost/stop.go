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

const (
	// slice is the longest one drop_caches waits before the agent looks at the progress: the
	// message blocks until no dirty block is left, so it is cut (its ioctl is interruptible)
	// and sent again.
	slice = 10 * time.Second
	// reserve is kept from the stop's budget for what follows the writeback: suspending,
	// checking, removing and zeroing.
	reserve = 5 * time.Second
	// giveUp is how many drop_caches failures in a row, with no progress, end the flush.
	giveUp = 3
)

func stop(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil {
		// Parameters that do not go together: handled as the runtime handles ill-typed ones.
		return unconfigured(r, err)
	}
	return w.stop(false)
}

// stop removes the device. lenient is a stop whose parameters do not check: it goes by the
// live table alone and never zeroes a superblock.
func (w *wb) stop(lenient bool) error {
	r := w.r
	i, err := w.info()
	switch {
	case errors.Is(err, errAbsent):
		r.Log.Infof("device %s does not exist: stopped", w.c.name)
		return nil
	case err != nil:
		return err
	case !i.LiveTable:
		// A create that failed or was interrupted: nothing was ever mapped through it.
		r.Log.Warnf("device %s exists without a live table: removing it", w.c.name)
		return w.remove(i)
	}
	live, err := w.live()
	switch {
	case errors.Is(err, errAbsent): // removed since info
		return nil
	case isForeign(err):
		r.Log.Warnf("%v: not touching it; stopped", err)
		return nil
	case err != nil:
		return err
	}
	if err := w.clearInactive(i); err != nil {
		return err
	}
	if lenient {
		// No configuration to go by: the live table names the devices.
		w.c.backing, w.c.cache = live.Backing, live.Cache
	}
	zeroable := w.c.zero && !lenient && w.matches(live)
	if i.OpenCount > 0 {
		r.Log.Errorf("device %s is open %d time(s): %s", w.c.name, i.OpenCount, w.inUse(i))
		return ocf.Exit(ocf.ErrGeneric, "device %s is in use (%s): stop what uses it first", w.c.name, w.inUse(i))
	}
	if !w.c.flush {
		if st, err := w.status(r.Ctx); err == nil {
			r.Log.Infof("removing %s without writeback: %d dirty blocks (%s) stay in the cache log for the next start", w.c.name, st.NrDirty, mib(st.NrDirty))
		}
		return w.remove(i)
	}
	if i.Suspended {
		r.Log.Warnf("device %s was suspended (an interrupted stop?): resuming it to flush", w.c.name)
		if err := w.dm.Resume(r.Ctx, w.c.name); err != nil {
			return err
		}
	}
	if err := w.flushAndRemove(); err != nil {
		return err
	}
	if zeroable {
		return w.zero(live)
	}
	return nil
}

// matches reports whether the live table is the configured one, so the configured cache is
// the one just flushed. Anything else is stopped all the same, but no superblock is zeroed.
func (w *wb) matches(live dm.Table) bool {
	m, err := w.mismatch(live, false)
	if err != nil {
		w.r.Log.Warnf("cannot check the live table against the configuration (%v): the superblock will not be zeroed", err)
		return false
	}
	if len(m) > 0 {
		w.r.Log.Warnf("device %s runs with another table (%s): stopping it anyway, without zeroing any superblock", w.c.name, strings.Join(m, "; "))
		return false
	}
	return true
}

// flushAndRemove writes every dirty block back and removes the device, or fails leaving it
// running. The last check of the dirty count is made with the device suspended, so no write
// can slip in between it and the removal.
func (w *wb) flushAndRemove() error {
	r, name := w.r, w.c.name
	t0 := r.P.Clock.Now()
	for {
		// Blocks in the RAM buffer count as dirty, but writeback only takes them from the cache
		// device, so drop_caches alone would wait forever for them (dm-writeboost issues 57,
		// 148). Suspending writes the buffer out (writeboost_postsuspend).
		if err := w.dm.Suspend(r.Ctx, name); err != nil {
			w.resume()
			return err
		}
		if err := w.dm.Resume(r.Ctx, name); err != nil {
			return err
		}
		if err := w.drain(t0); err != nil {
			return err
		}
		if err := w.dm.Suspend(r.Ctx, name); err != nil {
			w.resume()
			return err
		}
		st, err := w.status(r.Ctx)
		if err != nil {
			w.resume()
			return err
		}
		if st.NrDirty == 0 {
			break
		}
		w.resume()
		r.Log.Warnf("device %s was written to while flushing (%d dirty blocks): flushing again", name, st.NrDirty)
	}
	if err := w.dm.Remove(r.Ctx, name); err != nil {
		w.resume()
		var ce *dm.CmdError
		if errors.As(err, &ce) && ce.Busy() {
			return ocf.Exit(ocf.ErrGeneric, "device %s was opened while stopping; it runs again: stop what uses it first", name)
		}
		return err
	}
	if err := w.gone(); err != nil {
		return err
	}
	r.Log.Infof("stopped %s: every block written back to %s in %s", name, w.c.backing, r.P.Clock.Now().Sub(t0).Round(time.Millisecond))
	return nil
}

// drain sends drop_caches until no dirty block is left, in slices so that progress is logged
// and the stop's deadline is kept; it fails when the deadline comes first.
func (w *wb) drain(t0 time.Time) error {
	r, name := w.r, w.c.name
	var prev uint64
	failures := 0
	for round := 0; ; round++ {
		st, err := w.status(r.Ctx)
		if err != nil {
			return err
		}
		switch {
		case st.NrDirty == 0:
			return nil
		case round == 0:
			r.Log.Infof("flushing %s: %d dirty blocks (%s) to write back to %s", name, st.NrDirty, mib(st.NrDirty), w.c.backing)
		default:
			r.Log.Infof("flushing %s: %d dirty blocks (%s) left after %s", name, st.NrDirty, mib(st.NrDirty), r.P.Clock.Now().Sub(t0).Round(time.Second))
		}
		if st.NrDirty < prev {
			failures = 0
		}
		prev = st.NrDirty
		budget := r.Remaining() - reserve
		if budget <= 0 || failures >= giveUp {
			r.Log.Errorf("flush of %s stopped after %s with %d dirty blocks (%s) left; the device keeps running",
				name, r.P.Clock.Now().Sub(t0).Round(time.Second), st.NrDirty, mib(st.NrDirty))
			why := "stop timed out"
			if failures >= giveUp {
				why = "drop_caches keeps failing"
			}
			return ocf.Exit(ocf.ErrGeneric, "%s flushing %s: %d dirty blocks (%s) left, device kept running", why, name, st.NrDirty, mib(st.NrDirty))
		}
		d := min(slice, budget)
		started := r.P.Clock.Now()
		ctx, cancel := sysio.WithTimeout(r.P.Clock, r.Ctx, d)
		err = w.dm.Message(ctx, name, "drop_caches")
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, context.DeadlineExceeded) && r.Ctx.Err() == nil:
			// Our slice ended: writeback goes on; look at the progress and send it again.
		case r.Ctx.Err() != nil:
			return err
		default:
			failures++
			r.Log.Warnf("drop_caches on %s: %v", name, err)
			// Pace the retries as the slices would be.
			if err := r.P.Clock.Sleep(r.Ctx, d-r.P.Clock.Now().Sub(started)); err != nil {
				return err
			}
		}
	}
}

// remove removes the device without writeback: its postsuspend writes the RAM buffer to the
// cache device, so dirty data stays in the log.
func (w *wb) remove(i dm.Info) error {
	if err := w.dm.Remove(w.r.Ctx, w.c.name); err != nil {
		var ce *dm.CmdError
		if errors.As(err, &ce) && ce.Busy() {
			return ocf.Exit(ocf.ErrGeneric, "device %s is in use (%s): stop what uses it first", w.c.name, w.inUse(i))
		}
		return err
	}
	if err := w.gone(); err != nil {
		return err
	}
	w.r.Log.Infof("stopped %s", w.c.name)
	return nil
}

// gone confirms the device no longer exists: a stop never succeeds while the mapping does.
func (w *wb) gone() error {
	_, err := w.info()
	switch {
	case errors.Is(err, errAbsent):
		return nil
	case err != nil:
		return fmt.Errorf("checking that %s is gone: %w", w.c.name, err)
	}
	return ocf.Exit(ocf.ErrGeneric, "device %s still exists after dmsetup remove: see dmsetup info %s", w.c.name, w.c.name)
}

// resume undoes our suspend after a failure, whatever the budget says: a device left
// suspended blocks every IO to it.
func (w *wb) resume() {
	if err := w.cleanup(func(ctx context.Context) error { return w.dm.Resume(ctx, w.c.name) }); err != nil {
		w.r.Log.Errorf("resuming %s: %v: IO to it is blocked until `dmsetup resume %s`", w.c.name, err, w.c.name)
	}
}

// zero makes the log of the cache just flushed unusable, so the next start formats the cache
// rather than replaying a log whose blocks backing_dev may outgrow. First the cluster's epoch
// moves on (retire): from then on the log is stale whatever happens to the superblock. Then the
// superblock is zeroed, if the configured path is still the cache the live table had and
// nothing holds it (checked, then enforced by an exclusive open). Only when both fail does the
// stop fail: the next start could replay the clean log.
func (w *wb) zero(live dm.Table) error {
	r := w.r
	retired := w.retire()
	k, err := resolve(r.P.Files, "cache_dev", w.c.cache)
	if err == nil && k.dev() != live.Cache {
		err = fmt.Errorf("%s is device %s now, the device ran on %s", w.c.cache, k.dev(), live.Cache)
	}
	if err == nil {
		var h []string
		if h, err = dm.Holders(r.P.Files, k.Major, k.Minor); err == nil && len(h) > 0 {
			err = fmt.Errorf("it is now in use by %s", strings.Join(h, ","))
		}
	}
	if err == nil {
		err = dm.ZeroSuperblock(r.P.Files, w.c.cache, k.Major, k.Minor)
	}
	switch {
	case err == nil:
		r.Log.Infof("zeroed the superblock of %s: the next start formats it", w.c.cache)
		return nil
	case retired == nil:
		r.Log.Warnf("not zeroing the superblock of %s: %v; the cluster's epoch has moved on, so the next start treats its log as stale", w.c.cache, err)
		return nil
	}
	r.Log.Errorf("not zeroing the superblock of %s: %v; and the cluster's epoch could not move on: %v", w.c.cache, err, retired)
	return ocf.Exit(ocf.ErrGeneric, "could not zero the superblock of %s nor mark its log stale: wipe its first 4 KiB before the next start", w.c.cache)
}
