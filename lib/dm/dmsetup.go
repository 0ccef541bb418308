package dm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Dmsetup runs dmsetup(8). It is safe for concurrent use.
type Dmsetup struct {
	exec  sysio.Execer
	files sysio.Files

	once   sync.Once
	noUdev bool // no udevd: dmsetup must make /dev nodes itself and not wait for udev
}

// New returns a Dmsetup that works through w.
func New(w sysio.World) *Dmsetup { return &Dmsetup{exec: w.Exec, files: w.Files} }

// udevControl is udevd's control socket; libudev's "is udev running" test looks for it too.
const udevControl = "/run/udev/control"

// env decides, once, how commands that make or remove /dev nodes talk to udev. With udevd
// running they synchronise with it as usual, so that a device is fully set up (and udev's
// own probes are done) when the command returns. Without it (the lab guest, minimal nodes,
// containers) waiting for udev would hang or fail, so libdevmapper makes the nodes itself.
func (d *Dmsetup) env() ([]string, []string) {
	d.once.Do(func() {
		_, err := d.files.Stat(udevControl)
		d.noUdev = err != nil
	})
	if d.noUdev {
		return []string{"DM_DISABLE_UDEV=1"}, []string{"--noudevsync"}
	}
	return nil, nil
}

// ErrNoDevice is what commands on a device-mapper device that does not exist fail with.
var ErrNoDevice = errors.New("no such device-mapper device")

// CmdError is a dmsetup command that failed.
type CmdError struct {
	Args   []string // dmsetup's arguments
	Code   int      // exit status; -1 if it did not run to completion
	Stderr string   // what dmsetup said, on one line
	Err    error    // why it did not run to completion, if it did not
}

func (e *CmdError) Error() string {
	cmd := "dmsetup " + strings.Join(e.Args, " ")
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", cmd, e.Err)
	case e.Stderr != "":
		return fmt.Sprintf("%s: %s", cmd, e.Stderr)
	}
	return fmt.Sprintf("%s: exit status %d", cmd, e.Code)
}

func (e *CmdError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNoDevice) true for "no such device" answers.
func (e *CmdError) Is(target error) bool {
	return target == ErrNoDevice && e.Err == nil && noDevice(e.Stderr)
}

// Busy reports a command refused because the device is open (EBUSY).
func (e *CmdError) Busy() bool { return strings.Contains(e.Stderr, "Device or resource busy") }

// Interrupted reports a command whose ioctl a signal interrupted (EINTR), as a drop_caches
// message that was waiting for writeback.
func (e *CmdError) Interrupted() bool { return strings.Contains(e.Stderr, "Interrupted system call") }

// noDevice recognises libdevmapper's answers about a name the kernel does not know: dmsetup
// info says so in words; other ioctls fail with ENXIO.
func noDevice(stderr string) bool {
	return strings.Contains(stderr, "Device does not exist") || strings.Contains(stderr, "No such device or address")
}

// oneLine joins what dmsetup printed on stderr, without its closing "Command failed." that
// says nothing more.
func oneLine(stderr []byte) string {
	var parts []string
	for _, l := range strings.Split(string(stderr), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" && l != "Command failed." {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// run runs dmsetup with args and returns its standard output. nodes says the command makes,
// renames or removes /dev nodes, which makes udev matter (see env).
func (d *Dmsetup) run(ctx context.Context, nodes bool, args ...string) (string, error) {
	argv := []string{"dmsetup"}
	var env []string
	if nodes {
		var flags []string
		env, flags = d.env()
		argv = append(argv, flags...)
	}
	argv = append(argv, args...)
	res, err := d.exec.Run(ctx, sysio.Cmd{Argv: argv, Env: env})
	switch {
	case err != nil:
		return "", &CmdError{Args: args, Code: -1, Stderr: oneLine(res.Stderr), Err: err}
	case res.ExitCode != 0:
		return "", &CmdError{Args: args, Code: res.ExitCode, Stderr: oneLine(res.Stderr)}
	}
	return string(res.Stdout), nil
}

// Names are passed as they are: callers check them with ValidName, which also keeps them from
// looking like options.

// Info returns the state of the named device, or an error satisfying ErrNoDevice.
func (d *Dmsetup) Info(ctx context.Context, name string) (Info, error) {
	out, err := d.run(ctx, false, "info", name)
	if err != nil {
		return Info{}, err
	}
	return ParseInfo(out)
}

// Table returns the live table of the named device, as `dmsetup table` prints it.
func (d *Dmsetup) Table(ctx context.Context, name string) (string, error) {
	return d.run(ctx, false, "table", name)
}

// Status returns the status lines of the named device, as `dmsetup status` prints them.
func (d *Dmsetup) Status(ctx context.Context, name string) (string, error) {
	return d.run(ctx, false, "status", name)
}

// Create makes the named device with a one-line table and activates it. For dm-writeboost
// this is where the cache is formatted or its log replayed, which can take minutes.
func (d *Dmsetup) Create(ctx context.Context, name, table string) error {
	_, err := d.run(ctx, true, "create", name, "--table", table)
	return err
}

// Message sends a target message to sector 0 of the named device.
func (d *Dmsetup) Message(ctx context.Context, name string, words ...string) error {
	_, err := d.run(ctx, false, append([]string{"message", name, "0"}, words...)...)
	return err
}

// Suspend suspends the named device: in-flight IO completes, new IO waits, and the target's
// postsuspend runs (dm-writeboost writes its RAM buffer to the cache there).
func (d *Dmsetup) Suspend(ctx context.Context, name string) error {
	_, err := d.run(ctx, true, "suspend", name)
	return err
}

// Resume resumes the named device.
func (d *Dmsetup) Resume(ctx context.Context, name string) error {
	_, err := d.run(ctx, true, "resume", name)
	return err
}

// Clear drops the named device's inactive table (one a `dmsetup reload` loaded), which the
// next resume would otherwise swap in; the live table is not touched.
func (d *Dmsetup) Clear(ctx context.Context, name string) error {
	_, err := d.run(ctx, false, "clear", name)
	return err
}

// Remove removes the named device; the kernel refuses (EBUSY) while it is open.
func (d *Dmsetup) Remove(ctx context.Context, name string) error {
	_, err := d.run(ctx, true, "remove", name)
	return err
}
