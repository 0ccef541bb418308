package sysio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Cmd is one program to run. Env is added to a minimal environment (PATH and LC_ALL=C), not to
// the agent's own, so that what a program sees is exactly what a tape records.
type Cmd struct {
	Argv  []string
	Stdin []byte
	Env   []string
	Dir   string
	// SecretOutput marks stdout as a secret (a password script's answer): recorders redact it.
	SecretOutput bool
	// KeepStdout, when set, is what a recording keeps of stdout: the part the agent reads, for
	// output that carries secrets beside it (compose config prints the stack's environment).
	KeepStdout func([]byte) []byte
}

// CmdResult is what a finished program produced. A program that ran and exited non-zero is a
// result, not an error.
type CmdResult struct {
	Stdout, Stderr []byte
	ExitCode       int
	Duration       time.Duration
}

// Execer runs programs. Errors mean the program could not be run to completion: not found, not
// executable, or killed because ctx ended.
type Execer interface {
	Run(ctx context.Context, c Cmd) (CmdResult, error)
}

// ErrNotFound is what Run fails with when the program is not installed (it is exec's own
// sentinel, and replay's too), so agents can tell "not installed" without importing os/exec.
var ErrNotFound = exec.ErrNotFound

// BasePath is the PATH every program we spawn gets, as Pacemaker's daemons have.
const BasePath = "/usr/sbin:/usr/bin:/sbin:/bin"

type realExec struct{}

func (realExec) Run(ctx context.Context, c Cmd) (CmdResult, error) {
	if len(c.Argv) == 0 {
		return CmdResult{}, errors.New("exec: empty command")
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = append([]string{"PATH=" + BasePath, "LC_ALL=C"}, c.Env...)
	cmd.Dir = c.Dir
	cmd.Stdin = bytes.NewReader(c.Stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Own process group, so a cancelled context kills helpers the program started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err := cmd.Run()
	res := CmdResult{Stdout: out.Bytes(), Stderr: errb.Bytes(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		res.ExitCode = -1
		return res, fmt.Errorf("%s: %w", c.Argv[0], ctx.Err())
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		if res.ExitCode < 0 {
			return res, fmt.Errorf("%s: %v", c.Argv[0], ee)
		}
		return res, nil
	default:
		res.ExitCode = -1
		return res, err
	}
}
