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
	replay, err := w.decide()
	if err != nil {
		return err
	}
	w.resetHealth()

	table := w.c.table(sectors).String()
	r.Log.Infof("creating %s: %s", w.c.name, table)
	t0 := r.P.Clock.Now()
	if err := w.dm.Create(r.Ctx, w.c.name, table); err != nil {
		return w.createFailed(err, replay)
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
	if replay {
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

// decide reads the start of the cache and says whether the create will replay a log (true)
// or format the cache (false), refusing a format that would destroy something.
func (w *wb) decide() (bool, error) {
	r, c := w.r, w.c
	content, err := dm.ProbeCache(r.P.Files, c.cache)
	if err != nil {
		return false, fmt.Errorf("reading the start of cache_dev: %w", err)
	}
	aroundMode := c.opts["write_around_mode"] == 1
	switch {
	case content.Writeboost && aroundMode && !c.allowFormat:
		r.Log.Errorf("cache_dev %s holds a writeboost log, which may hold dirty data; with write_around_mode=1 the kernel formats the cache", c.cache)
		return false, ocf.Exit(ocf.ErrArgs, "cache_dev holds a writeboost log that write_around_mode would format: flush it in write-back mode or set allow_format")
	case content.Writeboost && aroundMode:
		r.Log.Warnf("cache_dev %s holds a writeboost log: formatting it for write-around mode (allow_format is set)", c.cache)
		return false, nil
	case content.Writeboost:
		r.Log.Infof("cache_dev %s holds a writeboost log: replaying it (this reads the whole cache device)", c.cache)
		return true, nil
	case content.Foreign != "" && !c.allowFormat:
		r.Log.Errorf("cache_dev %s holds %s and no writeboost superblock: creating the device would format it", c.cache, content.Foreign)
		return false, ocf.Exit(ocf.ErrArgs, "cache_dev holds %s that formatting would destroy: wipe it (wipefs -a) or set allow_format", content.Foreign)
	case content.Foreign != "":
		r.Log.Warnf("cache_dev %s holds %s: formatting it anyway (allow_format is set)", c.cache, content.Foreign)
	default:
		r.Log.Infof("cache_dev %s has no writeboost superblock: formatting it", c.cache)
	}
	return false, nil
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
