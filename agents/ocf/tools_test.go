package ocf

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOCFTester runs resource-agents' ocf-tester against the example agent: its OCF 1.0 DTD
// lint must be the one failure, and with the OCF 1.1 lint it must pass (ocftest.OCFTester).
func TestOCFTester(t *testing.T) {
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none"}
	stock, patched := ocftest.OCFTester(t, env, "-v", "-n", "tester1", "-o", "state="+filepath.Join(ocftest.StateDir(t), "s"),
		"-o", "password=s3cret-value", agent(t, "example"))
	assert.NotContains(t, stock+patched, "s3cret-value")
}

// TestUnprivileged: meta-data and validate-all at depth 0 run as nobody (ocf-tester, and
// Pacemaker's controller as hacluster) with unwritable log and trace destinations.
func TestUnprivileged(t *testing.T) {
	ocftest.NeedRoot(t)
	setpriv := ocftest.Need(t, "setpriv")
	forbidden := t.TempDir() // 0700, root's
	env := append(append([]string{"OCF_RESOURCE_TYPE=example"}, pacemakerEnv...),
		"HA_LOGFILE="+filepath.Join(forbidden, "ha.log"), "HA_DEBUGLOG="+filepath.Join(forbidden, "debug.log"),
		"HA_VARLIB="+forbidden, "OCF_TRACE_RA=1", "OCF_RESKEY_state=/nonexistent/s", "OCF_RESKEY_count=4")
	for _, action := range []string{"meta-data", "validate-all"} {
		cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			agent(t, "example"), action)
		cmd.Env = env
		out, err := cmd.Output()
		assert.NoError(t, err, "%s as nobody", action)
		if action == "meta-data" {
			assert.Contains(t, string(out), `<resource-agent name="example"`)
		}
	}
	ents, err := os.ReadDir(forbidden)
	require.NoError(t, err)
	assert.Empty(t, ents, "nobody could not have written there")
}

// TestCrmResource installs the agent where Pacemaker looks (its compiled OCF root) and asks
// crm_resource for its meta-data and to validate parameters, as pcs does.
func TestCrmResource(t *testing.T) {
	provider := ocftest.Install(t, agent(t, "example"), "example")
	out, code := ocftest.Tool(t, "crm_resource", "--show-metadata", "ocf:"+provider+":example")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "<version>1.1</version>")

	base := []string{"--validate", "--class", "ocf", "--provider", provider, "--agent", "example", "--option", "state=/nonexistent/s"}
	out, code = ocftest.Tool(t, "crm_resource", base...)
	assert.Equal(t, 0, code, out)
	out, code = ocftest.Tool(t, "crm_resource", append(base, "--option", "count=abc")...)
	assert.Equal(t, 6, code, out)
	assert.Contains(t, out, `ocf-exit-reason:parameter count: "abc" is not an integer`)
	out, code = ocftest.Tool(t, "crm_resource", append(base, "--option", "mode=args")...)
	assert.NotEqual(t, 0, code, out)
	assert.Contains(t, out, "mode args is invalid on this node")
}
