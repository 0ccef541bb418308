package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if agentDir != "" {
		os.RemoveAll(agentDir)
	}
	os.Exit(code)
}

var (
	agentOnce sync.Once
	agentDir  string
	agentErr  error
)

// agentPath returns the agent, built once into a world-readable directory of its own, so tests
// drive the real process protocol as Pacemaker, crm_resource, pcs and ocf-tester do.
func agentPath(t testing.TB) string {
	t.Helper()
	agentOnce.Do(func() {
		if agentDir, agentErr = os.MkdirTemp("", "ocf-isard-"); agentErr != nil {
			return
		}
		if agentErr = os.Chmod(agentDir, 0o755); agentErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(agentDir, "isard"), ".").CombinedOutput()
		if err != nil {
			agentErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if agentErr != nil {
		t.Fatalf("preparing the agent binary: %v", agentErr)
	}
	return filepath.Join(agentDir, "isard")
}

// pacemakerEnv is what pacemaker-execd gives an agent, less what varies.
var pacemakerEnv = []string{
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf",
	"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
	"OCF_RESOURCE_INSTANCE=isard", "OCF_RESOURCE_TYPE=isard", "OCF_RESOURCE_PROVIDER=flock",
	"OCF_RESKEY_crm_feature_set=3.16.1", "OCF_RESKEY_CRM_meta_timeout=20000", "HA_logfacility=none",
}

// outcome is what a run of the agent produced.
type outcome struct {
	code   int
	stdout string
	stderr string
	reason string // the last exit reason, as Pacemaker reads it
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d, reason %q\n%s", o.code, o.reason, o.stderr)
}

// runIn runs the agent's action with pacemakerEnv plus env, through prefix (nsenter) if given.
func runIn(t *testing.T, prefix []string, action string, env ...string) outcome {
	t.Helper()
	argv := append(append([]string{}, prefix...), agentPath(t), action)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, pacemakerEnv...), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := outcome{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", action, err)
	}
	for _, l := range strings.Split(o.stderr, "\n") {
		if i := strings.LastIndex(l, "ocf-exit-reason:"); i >= 0 {
			o.reason = l[i+len("ocf-exit-reason:"):]
		}
	}
	return o
}

func run(t *testing.T, action string, env ...string) outcome {
	t.Helper()
	return runIn(t, nil, action, env...)
}
