package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
)

// minCacheSectors is the smallest cache accepted: the 1 MiB superblock region and 16 segments
// of 512 KiB, twice the RAM buffer pool. The kernel has no minimum: below 1 MiB its segment
// count (calc_nr_segments) underflows.
const minCacheSectors = 2048 + 16*1024

func start(r *ocf.Request) error {
	w, err := newWB(r)
	if err != nil {
		return err
	}
	if err := w.dmsetupInstalled(); err != nil {
		return err
	}
	if err := w.dm.LoadModule(r.Ctx); err != nil {
		return ocf.Exit(ocf.ErrInstalled, "the dm-writeboost kernel module is not available: install dm-writeboost-dkms (%v)", err)
	}
	i, err := w.info()
	switch {
	case err == nil:
		return w.adopt(i)
	case !errors.Is(err, errAbsent):
		return err
	}

	d, err := w.c.devices(r.P.Files)
	if err != nil {
		return err
	}
	sectors, err := w.sizes(d)
	if err != nil {
		return err
	}
	if err := w.unclaimed(d); err != nil {
		return err
	}
	p, ledger, noCluster, err := w.decide(d.cache)
	if err != nil {
		return err
	}
	w.resetHealth()

	t0 := r.P.Clock.Now()
	// The table names the devices by the numbers checked above, not by their paths: a path is
	// a symlink udev may re-point between the checks and the create.
	if err := w.createWithEpoch(d.cache, d.want(w.c, sectors).String(), p, ledger, noCluster); err != nil {
		return err
	}
	i, err = w.dm.Info(r.Ctx, w.c.name)
	if err != nil {
		return fmt.Errorf("device %s created, but: %w", w.c.name, err)
	}
	if !i.LiveTable || i.Suspended {
		return ocf.Exit(ocf.ErrGeneric, "device %s was created but is not active: see dmesg", w.c.name)
	}
	st, err := w.status(r.Ctx)
	if err != nil {
		return fmt.Errorf("device %s created, but: %w", w.c.name, err)
	}
	took := r.P.Clock.Now().Sub(t0).Round(10 * time.Millisecond)
	if p == replay {
		r.Log.Infof("started %s in %s: replayed the log, %d dirty blocks (%s) recovered, %d of %d segments not yet written back",
			w.c.name, took, st.NrDirty, mib(st.NrDirty), st.PendingSegments(), st.NrSegments)
	} else {
		r.Log.Infof("started %s in %s: formatted the cache, %d blocks in %d segments", w.c.name, took, st.NrCacheBlocks, st.NrSegments)
	}
	return nil
}

// adopt answers a start that finds the device already there: with the configured table it
// is this resource, started before (start must succeed on a running resource); with another
// it is not, and it is never replaced behind its users' backs.
func (w *wb) adopt(i dm.Info) error {
	r := w.r
	if !i.LiveTable {
		return ocf.Exit(ocf.ErrGeneric, "device %s exists without a live table (an interrupted create?): stop the resource to remove it", w.c.name)
	}
	live, m, err := w.compare(true)
	if err != nil {
		return err
	}
	if err := w.clearInactive(i); err != nil {
		return err
	}
	if len(m) > 0 {
		r.Log.Errorf("device %s runs with table %q; it differs from the configuration: %s", w.c.name, live, strings.Join(m, "; "))
		return ocf.Exit(ocf.ErrGeneric, "device %s already exists with another table (%s): stop it first", w.c.name, m[0])
	}
	if i.Suspended {
		r.Log.Warnf("device %s was suspended (an interrupted stop?): resuming it", w.c.name)
		if err := w.dm.Resume(r.Ctx, w.c.name); err != nil {
			return err
		}
	}
	r.Log.Infof("device %s already runs with the configured table", w.c.name)
	return w.applyTunables()
}

// sizes checks the devices' sizes and returns the backing device's, the table's length.
func (w *wb) sizes(d devices) (uint64, error) {
	files := w.r.P.Files
	backing, err := dm.Sectors(files, d.backing.Major, d.backing.Minor)
	if err != nil {
		return 0, fmt.Errorf("backing_dev size: %w", err)
	}
	cache, err := dm.Sectors(files, d.cache.Major, d.cache.Minor)
	if err != nil {
		return 0, fmt.Errorf("cache_dev size: %w", err)
	}
	switch {
	case backing == 0:
		return 0, ocf.Exit(ocf.ErrArgs, "backing_dev %s is empty (0 sectors): is the medium there?", w.c.backing)
	case cache < minCacheSectors:
		return 0, ocf.Exit(ocf.ErrArgs, "cache_dev %s has %d sectors; a cache needs at least %d (9 MiB)", w.c.cache, cache, minCacheSectors)
	}
	w.r.Log.Debugf("backing_dev %s is %s (%d sectors), cache_dev %s is %s (%d sectors)",
		w.c.backing, d.backing.dev(), backing, w.c.cache, d.cache.dev(), cache)
	return backing, nil
}

// unclaimed refuses devices something else uses: devices stacked on them or a mounted
// filesystem. The kernel would refuse most of it too, as "Device or resource busy"; this
// says who.
func (w *wb) unclaimed(d devices) error {
	files := w.r.P.Files
	for _, b := range []blockDev{d.backing, d.cache} {
		h, err := dm.Holders(files, b.Major, b.Minor)
		if err != nil {
			return fmt.Errorf("%s holders: %w", b.param, err)
		}
		if len(h) > 0 {
			return ocf.Exit(ocf.ErrGeneric, "%s %s is in use by %s: stop that first", b.param, b.path, strings.Join(h, ","))
		}
		m, err := dm.Mounts(files, b.Major, b.Minor)
		if err != nil {
			return fmt.Errorf("mounts: %w", err)
		}
		if len(m) > 0 {
			return ocf.Exit(ocf.ErrGeneric, "%s %s is mounted on %s: unmount it first", b.param, b.path, strings.Join(m, ","))
		}
	}
	return nil
}

// plan is what the create will do with the cache.
type plan int

const (
	format  plan = iota // the cache holds no log: the kernel formats it
	replay              // the kernel replays the cache's log
	discard             // the log is stale and stale_log=discard: zero it, then format
)

// decide reads the start of the cache and says what the create will do with it, refusing a
// format that would destroy something and a replay of a log that does not belong to now.
// ledger is the cluster's epoch before this start; noCluster says this node has no ledger.
// k is the cache as resolved before: the probe reads by path, and the decision holds only if
// that path still names k afterwards (udev may re-point a symlink at any time; the create
// goes by k's numbers).
func (w *wb) decide(k blockDev) (p plan, ledger string, noCluster bool, err error) {
	r, c := w.r, w.c
	content, err := dm.ProbeCache(r.P.Files, c.cache)
	if err != nil {
		return 0, "", false, fmt.Errorf("reading the start of cache_dev: %w", err)
	}
	if now, err := resolve(r.P.Files, "cache_dev", c.cache); err != nil {
		return 0, "", false, err
	} else if now.dev() != k.dev() {
		return 0, "", false, ocf.Exit(ocf.ErrGeneric, "cache_dev %s changed from device %s to %s while start read it: is udev renaming it?", c.cache, k.dev(), now.dev())
	}
	ledger, lerr := w.readLedger()
	noCluster = errors.Is(lerr, errNoCluster)
	aroundMode := c.opts["write_around_mode"] == 1
	switch {
	case content.Writeboost && aroundMode && !c.allowFormat:
		r.Log.Errorf("cache_dev %s holds a writeboost log, which may hold dirty data; with write_around_mode=1 the kernel formats the cache", c.cache)
		return 0, "", false, ocf.Exit(ocf.ErrArgs, "cache_dev holds a writeboost log that write_around_mode would format: flush it in write-back mode or set allow_format")
	case content.Writeboost && aroundMode:
		r.Log.Warnf("cache_dev %s holds a writeboost log: formatting it for write-around mode (allow_format is set)", c.cache)
	case content.Writeboost:
		p, err = w.replayOrNot(content.Epoch, ledger, lerr)
		return p, ledger, noCluster, err
	case content.Foreign != "" && !c.allowFormat:
		r.Log.Errorf("cache_dev %s holds %s and no writeboost superblock: creating the device would format it", c.cache, content.Foreign)
		return 0, "", false, ocf.Exit(ocf.ErrArgs, "cache_dev holds %s that formatting would destroy: wipe it (wipefs -a) or set allow_format", content.Foreign)
	case content.Foreign != "":
		r.Log.Warnf("cache_dev %s holds %s: formatting it anyway (allow_format is set)", c.cache, content.Foreign)
	default:
		r.Log.Infof("cache_dev %s has no writeboost superblock: formatting it", c.cache)
	}
	if lerr != nil && !noCluster {
		// The new epoch must reach the ledger before the device takes a write.
		return 0, "", false, ocf.Exit(ocf.ErrGeneric, "cannot read this resource's epoch from the cluster: %v", lerr)
	}
	return format, ledger, noCluster, nil
}

// replayOrNot decides over a cache holding a writeboost log: replay it when its epoch record
// says it belongs to now (epoch.go), otherwise do what stale_log says.
func (w *wb) replayOrNot(rec dm.Epoch, ledger string, lerr error) (plan, error) {
	r, c := w.r, w.c
	if lerr != nil && !errors.Is(lerr, errNoCluster) {
		return 0, ocf.Exit(ocf.ErrGeneric, "cannot tell whether the log on cache_dev belongs to now: reading the cluster's epoch: %v", lerr)
	}
	if current(rec, ledger, lerr) {
		if errors.Is(lerr, errNoCluster) {
			r.Log.Infof("no cluster on this node (crm_attribute is not installed): the cache's epoch record %s is the evidence", rec.Current)
		}
		r.Log.Infof("cache_dev %s holds a writeboost log of epoch %s: replaying it (this reads the whole cache device)", c.cache, rec.Current)
		return replay, nil
	}
	why := fmt.Sprintf("its epoch %s is not the cluster's %s: the resource has started with another cache since, or a stop could not zero it", orNone(rec.Current), orNone(ledger))
	if rec.Current == "" {
		why = "it has no epoch record (written by hand, or by an agent before epochs)"
	}
	switch c.staleLog {
	case "discard":
		r.Log.Warnf("cache_dev %s holds a stale writeboost log (%s): discarding it (stale_log=discard)", c.cache, why)
		return discard, nil
	case "replay":
		r.Log.Warnf("cache_dev %s holds a stale writeboost log (%s): replaying it anyway (stale_log=replay)", c.cache, why)
		return replay, nil
	}
	r.Log.Errorf("cache_dev %s holds a stale writeboost log: %s; replaying it could write old blocks over newer data on %s", c.cache, why, c.backing)
	return 0, ocf.Exit(ocf.ErrArgs, "stale log on cache_dev (not of the cluster's epoch): set stale_log=discard to drop it or stale_log=replay")
}

func orNone(e string) string {
	if e == "" {
		return "(none)"
	}
	return e
}

// createWithEpoch makes the device as planned, recording a new epoch in the ledger before the
// device exists and on the cache: before the create for a replay (with the ledger's epoch as
// the previous one, so a start that dies between the two writes leaves a log that is still
// current), after it for a format, which zeroes the record's block.
func (w *wb) createWithEpoch(k blockDev, table string, p plan, ledger string, noCluster bool) error {
	r := w.r
	epoch, err := w.newEpoch()
	if err != nil {
		return err
	}
	if p == discard {
		if err := dm.ZeroSuperblock(r.P.Files, k.path, k.Major, k.Minor); err != nil {
			return fmt.Errorf("discarding the stale log on cache_dev %s: %w", k.path, err)
		}
	}
	if p == replay {
		prev := ledger
		if noCluster {
			prev = ""
		}
		if err := dm.WriteEpoch(r.P.Files, k.path, k.Major, k.Minor, dm.Epoch{Current: epoch, Prev: prev}, true); err != nil {
			return fmt.Errorf("recording the epoch on cache_dev %s: %w", k.path, err)
		}
	}
	if !noCluster {
		if err := w.writeLedger(epoch); err != nil {
			return ocf.Exit(ocf.ErrGeneric, "cannot record this start's epoch in the cluster: %v", err)
		}
	}
	r.Log.Infof("creating %s (epoch %s): %s", w.c.name, epoch, table)
	if err := w.dm.Create(r.Ctx, w.c.name, table); err != nil {
		return w.createFailed(err, p == replay)
	}
	if p != replay {
		if err := dm.WriteEpoch(r.P.Files, k.path, k.Major, k.Minor, dm.Epoch{Current: epoch}, false); err != nil {
			// The log is empty: removing the device loses nothing, and a log without a record
			// would be stale.
			if rerr := w.dm.Remove(r.Ctx, w.c.name); rerr != nil {
				r.Log.Errorf("removing %s: %v", w.c.name, rerr)
			}
			return fmt.Errorf("recording the epoch on cache_dev %s after formatting it: %w", k.path, err)
		}
	}
	return nil
}

// createFailed explains a failed create and removes what it may have left: a device with no
// live table maps nothing, so removing it loses nothing.
func (w *wb) createFailed(err error, replay bool) error {
	r := w.r
	if r.Ctx.Err() != nil {
		if replay {
			return ocf.Exit(ocf.ErrGeneric, "replaying the cache log of %s outlasted the start timeout: raise it (a replay reads the whole cache)", w.c.name)
		}
		return ocf.Exit(ocf.ErrGeneric, "formatting the cache of %s outlasted the start timeout: raise it", w.c.name)
	}
	r.Log.Errorf("%v (the kernel log says why: dmesg | grep writeboost)", err)
	if i, ierr := w.dm.Info(r.Ctx, w.c.name); ierr == nil && !i.LiveTable {
		if rerr := w.dm.Remove(r.Ctx, w.c.name); rerr != nil {
			r.Log.Errorf("removing the half-created device %s: %v", w.c.name, rerr)
		}
	}
	var ce *dm.CmdError
	if errors.As(err, &ce) && ce.Busy() {
		return ocf.Exit(ocf.ErrGeneric, "the kernel refused backing_dev or cache_dev as busy: something else holds it")
	}
	return fmt.Errorf("creating %s failed: %w", w.c.name, err)
}
