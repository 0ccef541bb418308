package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
)

// agentDirs are where packages install agents: fence agents in /usr/sbin, ours among the OCF
// agents of provider flock (a tape of ocf:flock:writeboost names its agent "writeboost").
var agentDirs = []string{"/usr/sbin", "/usr/lib/ocf/resource.d/flock"}

// findAgent locates the binary a tape names: in binDir, then on PATH, then in agentDirs. In
// binDir an OCF agent may also have its build name, ocf-TYPE or ocf-flock-TYPE (the Makefile
// builds bin/ocf-writeboost and installs it as resource.d/flock/writeboost).
func findAgent(name, binDir string) (string, error) {
	if binDir != "" {
		for _, n := range []string{name, "ocf-" + name, "ocf-flock-" + name} {
			if p := filepath.Join(binDir, n); isExecutable(p) {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range agentDirs {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("agent %q not found in --bin, PATH, %s", name, strings.Join(agentDirs, " or "))
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// process is one run of an agent binary.
type process struct {
	bin     string
	args    []string // argv, argv[0] included: the tape's, so the agent sees itself as recorded
	env     []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	timeout time.Duration // real time allowed; 0 for none
}

// run runs the process and returns its exit code; an agent that exits non-zero is no error.
func (p process) run(ctx context.Context) (int, error) {
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, p.bin)
	cmd.Args, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = p.args, p.env, p.stdin, p.stdout, p.stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return -1, fmt.Errorf("%s did not finish within %s", p.bin, p.timeout)
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	case err != nil:
		return -1, err
	}
	return 0, nil
}

// replayProcess runs the agent of t as the tape invoked it, with the tape variables in extra
// added to the tape's environment and nothing else of ours, so the replay sees what Pacemaker
// gave the recorded run.
func replayProcess(t *tape.Tape, bin string, timeout time.Duration, extra ...string) (process, *bytes.Buffer) {
	var stderr bytes.Buffer
	return process{bin: bin, args: t.Args, env: append(append([]string{}, t.Env...), extra...),
		stdin: strings.NewReader(t.Stdin), stdout: io.Discard, stderr: &stderr, timeout: timeout}, &stderr
}

// noVerdict explains a replay that left no verdict: the agent crashed, or never called
// tape.FromEnv and Finish.
func noVerdict(bin string, code int, stderr string) error {
	last := strings.TrimSpace(stderr)
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	if last != "" {
		last = ": " + last
	}
	return fmt.Errorf("%s exited %d without a verdict (does it call tape.FromEnv and Finish?)%s", bin, code, last)
}

func outcomeLine(o tape.Outcome) string {
	s := fmt.Sprintf("exit %d", o.Code)
	if o.Reason != "" {
		s += fmt.Sprintf(", exit reason %q", o.Reason)
	}
	return s
}
