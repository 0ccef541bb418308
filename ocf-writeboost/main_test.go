package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lab/ocftest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	ocftest.Cleanup()
	os.Exit(code)
}

func agentPath(t testing.TB) string { return ocftest.Binary(t, "writeboost") }

// pacemakerEnv is what pacemaker-execd gives an agent (lab notes A.6), less what varies.
var pacemakerEnv = []string{
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf",
	"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
	"OCF_RESOURCE_INSTANCE=wb1", "OCF_RESOURCE_TYPE=writeboost", "OCF_RESOURCE_PROVIDER=flock",
	"OCF_RESKEY_crm_feature_set=3.16.1", "OCF_RESKEY_CRM_meta_timeout=20000", "HA_logfacility=none",
}

// outcome is what a run of the agent produced.
type outcome struct {
	code   int
	stdout string
	stderr string
	reason string // the last exit reason, as Pacemaker reads it
}

// run runs the agent's action with pacemakerEnv plus env.
func run(t *testing.T, action string, env ...string) outcome {
	t.Helper()
	cmd := exec.Command(agentPath(t), action)
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
