package dm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// The module's file is dm-writeboost.ko; sysfs lists loaded (and built-in) modules with
// underscores. It declares a module parameter, so even a built-in one has its directory.
const (
	moduleName = "dm-writeboost"
	moduleDir  = "/sys/module/dm_writeboost"
)

// ModuleLoaded reports whether dm-writeboost is in the kernel.
func (d *Dmsetup) ModuleLoaded() (bool, error) {
	_, err := d.files.Stat(moduleDir)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// LoadModule loads dm-writeboost, and with it dm-mod and libcrc32c, unless it is loaded.
func (d *Dmsetup) LoadModule(ctx context.Context) error {
	if ok, err := d.ModuleLoaded(); ok || err != nil {
		return err
	}
	if err := d.modprobe(ctx); err != nil {
		return err
	}
	if ok, err := d.ModuleLoaded(); !ok || err != nil {
		return fmt.Errorf("modprobe %s succeeded but %s did not appear (%v)", moduleName, moduleDir, err)
	}
	return nil
}

// ModuleAvailable says whether dm-writeboost is loaded or modprobe could load it, without
// loading anything (modprobe --dry-run).
func (d *Dmsetup) ModuleAvailable(ctx context.Context) error {
	if ok, err := d.ModuleLoaded(); ok || err != nil {
		return err
	}
	return d.modprobe(ctx, "--dry-run")
}

func (d *Dmsetup) modprobe(ctx context.Context, flags ...string) error {
	argv := append(append([]string{"modprobe"}, flags...), moduleName)
	res, err := d.exec.Run(ctx, sysio.Cmd{Argv: argv})
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	case res.ExitCode != 0:
		msg := oneLine(res.Stderr)
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
		return fmt.Errorf("%s: %s", strings.Join(argv, " "), msg)
	}
	return nil
}
