package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/dm"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// kernel is a model of what the agent talks to — block devices, device-mapper as dmsetup
// shows it, sysfs, and the cluster's attributes as crm_attribute shows them — for unit tests of
// the agent's decisions. dm-writeboost itself runs only in the lab guest (the tapes come from
// there); the model lets a test set up the states and faults a guest cannot produce on cue
// (a remove that leaves the device, a holder that appears after it) and check what the agent
// did to the devices, not only what it answered.
type kernel struct {
	t      *testing.T
	disks  map[string]*disk // by path
	dms    map[string]*dmDev
	ledger map[string]string // crm_attribute name (and node) → value; nil: not installed
	uuids  int
	calls  []string // dmsetup subcommands and crm_attribute updates, in order

	// Faults.
	removeLeaves   bool     // dmsetup remove exits 0 and the device stays
	holdersAfterRm []string // holders the cache has once the device is removed
	noDmsetup      bool
	onSuspend      func()       // runs at every suspend
	onRemove       func(*dmDev) // runs at a remove that succeeds
	ledgerDown     bool         // crm_attribute cannot reach the CIB
	onLedgerUpdate func()       // runs at every crm_attribute --update
	beforeRead     func()       // runs before every read of a device
}

type disk struct {
	path      string
	maj, min  uint32
	sectors   uint64
	data      []byte // the first MiB and a bit: what the agent reads and writes
	holders   []string
	gone      bool // pulled out: the node and sysfs entry are gone
	sysfsGone bool // the kernel's device is gone, its node left behind
}

type dmDev struct {
	name           string
	minor          uint32
	table          string // the live table as dmsetup prints it
	writeboost     bool
	suspended      bool
	inactive       bool
	open           int
	dirty          uint64
	backing, cache *disk
}

func newKernel(t *testing.T) *kernel {
	k := &kernel{t: t, disks: map[string]*disk{}, dms: map[string]*dmDev{}, ledger: map[string]string{}}
	k.addDisk("/dev/disk/by-id/backing", 254, 16, 524288)
	k.addDisk("/dev/disk/by-id/cache", 254, 32, 131072)
	k.addDisk("/dev/disk/by-id/other", 254, 48, 131072)
	return k
}

func (k *kernel) addDisk(path string, maj, min uint32, sectors uint64) *disk {
	d := &disk{path: path, maj: maj, min: min, sectors: sectors, data: make([]byte, 70*1024)}
	k.disks[path] = d
	return d
}

func (d *disk) dev() string { return fmt.Sprintf("%d:%d", d.maj, d.min) }

func (k *kernel) byDev(dev string) *disk {
	for _, d := range k.disks {
		if d.dev() == dev && !d.gone {
			return d
		}
	}
	return nil
}

// tableDisk is the disk a table's device field names, as the kernel looks it up: MAJ:MIN, or
// a path resolved at the create.
func (k *kernel) tableDisk(field string) *disk {
	if strings.Contains(field, ":") {
		return k.byDev(field)
	}
	if d := k.disks[field]; d != nil && !d.gone {
		return d
	}
	return nil
}

// writeboostLog puts a superblock on the cache, with an epoch record when epoch is set.
func (k *kernel) writeboostLog(path string, epoch dm.Epoch) {
	d := k.disks[path]
	copy(d.data, []byte("tsBW"))
	if epoch.Current != "" {
		copy(d.data[4096:], dm.EpochRecord(epoch))
	}
}

func (k *kernel) magic(path string) bool { return bytes.HasPrefix(k.disks[path].data, []byte("tsBW")) }

func (k *kernel) recordOn(path string) dm.Epoch {
	e, _ := dm.ParseEpochRecord(k.disks[path].data[4096:8192])
	return e
}

// running adds a running writeboost device over the configured disks.
func (k *kernel) running(name string, dirty uint64) *dmDev {
	b, c := k.disks["/dev/disk/by-id/backing"], k.disks["/dev/disk/by-id/cache"]
	d := &dmDev{name: name, minor: uint32(len(k.dms)), writeboost: true, dirty: dirty, backing: b, cache: c,
		table: fmt.Sprintf("0 %d writeboost %s %s", b.sectors, b.dev(), c.dev())}
	k.dms[name] = d
	b.holders = append(b.holders, d.kname())
	c.holders = append(c.holders, d.kname())
	k.writeboostLog(c.path, dm.Epoch{})
	return d
}

// status is the device's status line as dmsetup prints it.
func (d *dmDev) status() string {
	if !d.writeboost {
		return d.table
	}
	return fmt.Sprintf("%s 0 16002 126 1 0 0 %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 10 writeback_threshold 0 nr_cur_batched_writeback 0 sync_data_interval 0 update_sb_record_interval 0 read_cache_threshold 0",
		strings.Join(strings.Fields(d.table)[:3], " "), d.dirty)
}

// kdm answers the device-mapper ioctls from the same devices as dmsetup.
type kdm struct{ k *kernel }

func (x kdm) Query(_ context.Context, q sysio.DMQuery) (sysio.DMReply, error) {
	d := x.k.dms[q.Name]
	if d == nil {
		return sysio.DMReply{}, fmt.Errorf("%s: %w", q.Name, sysio.ErrDMNoDevice)
	}
	rep := sysio.DMReply{Major: 253, Minor: d.minor, OpenCount: int32(d.open), Suspended: d.suspended,
		LiveTable: true, InactiveTable: d.inactive}
	line := ""
	switch q.Op {
	case sysio.DMTable:
		line = d.table
	case sysio.DMStatus:
		line = d.status()
	}
	if f := strings.Fields(line); len(f) >= 3 {
		start, _ := strconv.ParseUint(f[0], 10, 64)
		length, _ := strconv.ParseUint(f[1], 10, 64)
		rep.Targets = []sysio.DMTarget{{Start: start, Length: length, Type: f[2], Params: strings.Join(f[3:], " ")}}
	}
	return rep, nil
}

func (d *dmDev) kname() string { return fmt.Sprintf("dm-%d", d.minor) }

func (k *kernel) world() sysio.World {
	return sysio.World{Exec: kexec{k}, Files: kfiles{k}, Clock: &kclock{}, DM: kdm{k}}
}

// run runs the agent's action with the parameters (name=value) over the model.
func (k *kernel) run(action string, env ...string) (int, string) {
	k.t.Helper()
	var stderr bytes.Buffer
	p := &sysio.Proc{Args: []string{"writeboost", action}, Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, World: k.world(),
		Env: append([]string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=wb1", "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:", "HA_logfacility=none",
			"OCF_RESKEY_CRM_meta_timeout=120000", "OCF_RESKEY_name=wb",
			"OCF_RESKEY_backing_dev=/dev/disk/by-id/backing", "OCF_RESKEY_cache_dev=/dev/disk/by-id/cache"}, env...)}
	code := ocf.Run(agent, p)
	reason := ""
	for _, l := range strings.Split(stderr.String(), "\n") {
		if _, r, ok := strings.Cut(l, "ocf-exit-reason:"); ok {
			reason = r
		}
	}
	k.t.Logf("%s %v -> %d %s\n%s", action, env, code, reason, stderr.String())
	return code, reason
}

// kclock is the model's virtual clock: a sleep moves it on, and deadlines expire on it.
type kclock struct {
	now       time.Duration
	deadlines []*kdeadline
}

// kdeadline is a context whose deadline is on the model's clock.
type kdeadline struct {
	context.Context
	at   time.Time
	done chan struct{}
	err  error
}

func (d *kdeadline) Deadline() (time.Time, bool) { return d.at, true }
func (d *kdeadline) Done() <-chan struct{}       { return d.done }
func (d *kdeadline) Err() error {
	select {
	case <-d.done:
		return d.err
	default:
		return d.Context.Err()
	}
}

func (d *kdeadline) end(err error) {
	if d.err == nil {
		d.err = err
		close(d.done)
	}
}

type kexec struct{ k *kernel }

type kfiles struct{ k *kernel }

func ok(out string) (sysio.CmdResult, error) { return sysio.CmdResult{Stdout: []byte(out)}, nil }

func failed(code int, stderr string) (sysio.CmdResult, error) {
	return sysio.CmdResult{ExitCode: code, Stderr: []byte(stderr + "\nCommand failed.\n")}, nil
}

func (x kexec) Run(_ context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	k := x.k
	argv := slices.DeleteFunc(slices.Clone(c.Argv), func(a string) bool { return a == "--noudevsync" })
	switch argv[0] {
	case "modprobe":
		return ok("")
	case "crm_attribute":
		return k.crmAttribute(argv[1:])
	case "dmsetup":
	default:
		return sysio.CmdResult{}, sysio.ErrNotFound
	}
	if k.noDmsetup {
		return sysio.CmdResult{ExitCode: -1}, sysio.ErrNotFound
	}
	if argv[1] == "version" {
		return ok("Library version:   1.02.185\nDriver version:    4.47.0\n")
	}
	k.calls = append(k.calls, argv[1])
	d := k.dms[argv[2]]
	if d == nil && argv[1] != "create" {
		return failed(1, "Device does not exist.")
	}
	switch argv[1] {
	case "info":
		state, tables := "ACTIVE", "LIVE"
		if d.suspended {
			state = "SUSPENDED"
		}
		if d.inactive {
			tables += " & INACTIVE"
		}
		return ok(fmt.Sprintf("Name:              %s\nState:             %s\nRead Ahead:        256\nTables present:    %s\nOpen count:        %d\nEvent number:      0\nMajor, minor:      253, %d\nNumber of targets: 1\n",
			d.name, state, tables, d.open, d.minor))
	case "table":
		return ok(d.table + "\n")
	case "status":
		return ok(d.status() + "\n")
	case "create":
		t, err := dm.ParseTable(argv[4])
		if err != nil {
			return failed(1, "device-mapper: reload ioctl failed: Invalid argument")
		}
		b, ca := k.tableDisk(t.Backing), k.tableDisk(t.Cache)
		if b == nil || ca == nil {
			return failed(1, "device-mapper: reload ioctl failed: No such device or address")
		}
		nd := &dmDev{name: argv[2], minor: uint32(len(k.dms)), writeboost: true, backing: b, cache: ca,
			table: fmt.Sprintf("0 %d writeboost %s %s", t.Sectors, b.dev(), ca.dev())}
		if !k.magic(ca.path) {
			copy(ca.data, make([]byte, 1<<20)) // format: zeroes the superblock region
			copy(ca.data, []byte("tsBW"))
		}
		k.dms[nd.name] = nd
		b.holders, ca.holders = append(b.holders, nd.kname()), append(ca.holders, nd.kname())
	case "message":
		if argv[4] == "drop_caches" {
			d.dirty = 0
		}
	case "suspend":
		d.suspended = true
		if k.onSuspend != nil {
			k.onSuspend()
		}
	case "resume":
		d.suspended = false
		if d.inactive {
			d.inactive, d.writeboost, d.table = false, false, "0 8 linear "+d.backing.dev()+" 0"
		}
	case "clear":
		d.inactive = false
	case "remove":
		if d.open > 0 {
			return failed(1, "device-mapper: remove ioctl on "+d.name+"  failed: Device or resource busy")
		}
		if k.removeLeaves {
			return ok("")
		}
		if k.onRemove != nil {
			k.onRemove(d)
		}
		delete(k.dms, d.name)
		for _, disk := range []*disk{d.backing, d.cache} {
			if disk != nil {
				disk.holders = slices.DeleteFunc(disk.holders, func(h string) bool { return h == d.kname() })
			}
		}
		if d.cache != nil && k.holdersAfterRm != nil {
			d.cache.holders = k.holdersAfterRm
		}
	}
	return ok("")
}

func (k *kernel) crmAttribute(args []string) (sysio.CmdResult, error) {
	if k.ledger == nil {
		return sysio.CmdResult{ExitCode: -1}, sysio.ErrNotFound
	}
	if k.ledgerDown {
		return sysio.CmdResult{ExitCode: 105, Stderr: []byte("crm_attribute: Could not connect to the CIB: No such device or address\n")}, nil
	}
	key := ""
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--name", "--node":
			key += args[i] + "=" + args[i+1] + " "
		case "--update":
			k.ledger[key] = args[i+1]
			if k.onLedgerUpdate != nil {
				k.onLedgerUpdate()
			}
			k.calls = append(k.calls, "ledger "+args[i+1])
			return ok("")
		}
	}
	v, found := k.ledger[key]
	if !found {
		return sysio.CmdResult{ExitCode: 105, Stderr: []byte("crm_attribute: Error performing operation: No such device or address\n")}, nil
	}
	return ok(v + "\n")
}

// ledgerValue is the cluster-wide epoch of resource name wb.
func (k *kernel) ledgerValue() string { return k.ledger["--name=flock-writeboost-epoch-wb "] }

func (x kfiles) ReadFile(path string) ([]byte, error) {
	k := x.k
	switch {
	case path == "/proc/sys/kernel/random/uuid":
		k.uuids++
		return []byte(fmt.Sprintf("00000000-0000-4000-8000-%012d\n", k.uuids)), nil
	case path == "/proc/self/mountinfo":
		return nil, nil
	case strings.HasPrefix(path, "/sys/dev/block/") && strings.HasSuffix(path, "/size"):
		if d := k.byDev(strings.Split(path, "/")[4]); d != nil && !d.sysfsGone {
			return []byte(fmt.Sprintf("%d\n", d.sectors)), nil
		}
	case strings.HasPrefix(path, "/sys/block/dm-") && strings.HasSuffix(path, "/dm/name"):
		for _, d := range k.dms {
			if path == "/sys/block/"+d.kname()+"/dm/name" {
				return []byte(d.name + "\n"), nil
			}
		}
	case strings.HasPrefix(path, "/run/resource-agents/"):
		return nil, nil
	}
	return nil, fs.ErrNotExist
}

func (x kfiles) Stat(path string) (sysio.FileInfo, error) {
	if d, found := x.k.disks[path]; found && !d.gone {
		return sysio.FileInfo{Mode: fs.ModeDevice | 0o660, Major: d.maj, Minor: d.min}, nil
	}
	if path == "/sys/module/dm_writeboost" {
		return sysio.FileInfo{Mode: fs.ModeDir | 0o755}, nil
	}
	return sysio.FileInfo{}, fs.ErrNotExist // no udev, no /dev/mapper nodes: dmsetup info decides
}

func (x kfiles) ReadDir(path string) ([]string, error) {
	k := x.k
	if path == "/sys/block" {
		var names []string
		for _, d := range k.dms {
			names = append(names, d.kname())
		}
		return names, nil
	}
	if dev, found := strings.CutSuffix(strings.TrimPrefix(path, "/sys/dev/block/"), "/holders"); found {
		if d := k.byDev(dev); d != nil {
			return slices.Clone(d.holders), nil
		}
	}
	return nil, fs.ErrNotExist
}

func (x kfiles) ReadAt(path string, off int64, n int) ([]byte, error) {
	if x.k.beforeRead != nil {
		x.k.beforeRead()
	}
	d, found := x.k.disks[path]
	if !found || d.gone {
		return nil, fs.ErrNotExist
	}
	return slices.Clone(d.data[off : off+int64(n)]), nil
}

func (x kfiles) WriteBlock(w sysio.BlockWrite) error {
	// Attempts count: opening a device the agent knows is claimed is a decision too.
	x.k.calls = append(x.k.calls, fmt.Sprintf("write %s %d", w.Path, w.Off))
	d, found := x.k.disks[w.Path]
	switch {
	case !found || d.gone:
		return fs.ErrNotExist
	case d.maj != w.Major || d.min != w.Minor:
		return errors.New("another device")
	case w.Exclusive && len(d.holders) > 0:
		return errors.New("device or resource busy")
	}
	copy(d.data[w.Off:], w.Data)
	return nil
}

func (x kfiles) WriteFile(string, []byte, fs.FileMode) error { return nil }

func (c *kclock) Now() time.Time { return time.Unix(1700000000, 0).Add(c.now) }

func (c *kclock) Sleep(ctx context.Context, d time.Duration) error {
	c.now += max(d, 0)
	for _, dl := range c.deadlines {
		if !c.Now().Before(dl.at) {
			dl.end(context.DeadlineExceeded)
		}
	}
	return ctx.Err()
}

func (c *kclock) WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc) {
	d := &kdeadline{Context: parent, at: t, done: make(chan struct{})}
	if !c.Now().Before(t) {
		d.end(context.DeadlineExceeded)
	}
	c.deadlines = append(c.deadlines, d)
	return d, func() { d.end(context.Canceled) }
}
