package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/dm"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// config is the resource's parameters, checked against each other (validate-all depth 0).
type config struct {
	name, backing, cache string
	flush                bool // stop_mode=flush
	zero                 bool
	allowFormat          bool
	staleLog             string // refuse, discard or replay
	dirtyLimit           int64
	opts                 map[string]uint64 // every dm-writeboost option, by key
}

// newConfig reads and cross-checks the parameters, which the runtime has type-checked. It
// touches nothing outside the process: validate-all at depth 0 runs as nobody on any node.
func newConfig(v param.Values) (config, error) {
	c := config{name: v.String("name"), backing: v.String("backing_dev"), cache: v.String("cache_dev"),
		flush: v.String("stop_mode") == "flush", zero: v.Bool("zero_superblock"), allowFormat: v.Bool("allow_format"), staleLog: v.String("stale_log"),
		dirtyLimit: v.Int("dirty_limit"), opts: map[string]uint64{}}
	for _, o := range dm.Options {
		if o.Key == "write_around_mode" {
			if v.Bool(o.Key) {
				c.opts[o.Key] = 1
			}
			continue
		}
		c.opts[o.Key] = uint64(v.Int(o.Key)) // in range: the declaration carries the kernel's bounds
	}
	if err := dm.ValidName(c.name); err != nil {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter name: %v", err)
	}
	for _, p := range []struct{ param, path string }{{"backing_dev", c.backing}, {"cache_dev", c.cache}} {
		if !strings.HasPrefix(p.path, "/dev/") || filepath.Clean(p.path) != p.path || strings.ContainsAny(p.path, " \t\n") {
			return c, ocf.Exit(ocf.ErrConfigured, "parameter %s: %q is not a clean device path under /dev", p.param, p.path)
		}
	}
	switch {
	case c.backing == c.cache:
		return c, ocf.Exit(ocf.ErrConfigured, "backing_dev and cache_dev are the same device %s", c.backing)
	case c.zero && !c.flush && v.IsSet("zero_superblock"):
		return c, ocf.Exit(ocf.ErrConfigured, "zero_superblock needs stop_mode=flush: with keep the cache log holds the only copy of dirty data")
	case c.opts["write_around_mode"] == 1 && !c.flush:
		return c, ocf.Exit(ocf.ErrConfigured, "stop_mode=keep keeps nothing with write_around_mode: the kernel formats the cache at every start")
	}
	if !c.flush {
		c.zero = false
	}
	return c, nil
}

// blockDev is a configured device path and what it resolves to on this node.
type blockDev struct {
	param, path string
	sysio.FileInfo
}

func (b blockDev) dev() string { return fmt.Sprintf("%d:%d", b.Major, b.Minor) }

// resolve finds a configured device on this node: it must exist and be a block device.
// Missing is "not installed" (5), as for any agent whose device is absent on a node; a path
// that is something else is a mistake in this node's setup (2).
func resolve(files sysio.Files, param, path string) (blockDev, error) {
	fi, err := files.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return blockDev{}, ocf.Exit(ocf.ErrInstalled, "%s %s does not exist on this node", param, path)
	case err != nil:
		return blockDev{}, fmt.Errorf("%s: %w", param, err)
	case !fi.IsBlockDevice():
		return blockDev{}, ocf.Exit(ocf.ErrArgs, "%s %s is not a block device (%s)", param, path, fi.Mode.Type())
	}
	return blockDev{param: param, path: path, FileInfo: fi}, nil
}

// devices are the configured backing and cache devices as this node resolves them.
type devices struct {
	backing, cache blockDev
}

// devices resolves the configured devices; they must be two different block devices.
func (c config) devices(files sysio.Files) (devices, error) {
	b, err := resolve(files, "backing_dev", c.backing)
	if err != nil {
		return devices{}, err
	}
	k, err := resolve(files, "cache_dev", c.cache)
	if err != nil {
		return devices{}, err
	}
	if b.dev() == k.dev() {
		// The paths differ, so this node's setup makes them one (2, not 6: other nodes may differ).
		return devices{}, ocf.Exit(ocf.ErrArgs, "backing_dev %s and cache_dev %s are the same device (%s) on this node", b.path, k.path, b.dev())
	}
	return devices{backing: b, cache: k}, nil
}

// want is the configured table as the kernel would print it, devices as MAJ:MIN: the table
// start creates, and the one a live table is compared with (sectors 0 leaves the length out).
func (d devices) want(c config, sectors uint64) dm.Table {
	return dm.Table{Sectors: sectors, Backing: d.backing.dev(), Cache: d.cache.dev(), Args: c.opts}
}
