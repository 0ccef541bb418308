package ocf

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/example-metadata.xml")

// TestMetaDataGolden pins the rendering: the golden file is what reviewers read to judge it.
func TestMetaDataGolden(t *testing.T) {
	golden := filepath.Join("testdata", "example-metadata.xml")
	got := example.MetaData()
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "go test ./agents/ocf/ -run Golden -update rewrites it")
}

// TestMetaDataValidates checks the binary's meta-data against the official OCF 1.1 RNG (ocftest
// carries a copy) and pcs's RNG, which decides whether `pcs resource create` can use the agent.
func TestMetaDataValidates(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (libxml2-utils)")
	}
	o := runAgent(t, "example", nil, "meta-data")
	require.Equal(t, 0, o.Code, o.Stderr)
	assert.Empty(t, o.Stderr, "meta-data writes nothing but the XML")
	file := filepath.Join(t.TempDir(), "example.xml")
	require.NoError(t, os.WriteFile(file, []byte(o.Stdout), 0o644))

	for _, rng := range []string{ocftest.RNGFile(t), "/usr/share/pcs/data/ocf-1.1.rng"} {
		t.Run(filepath.Base(rng), func(t *testing.T) {
			if _, err := os.Stat(rng); err != nil {
				t.Skipf("%s not installed (pcs)", rng)
			}
			out, err := exec.Command("xmllint", "--noout", "--relaxng", rng, file).CombinedOutput()
			assert.NoError(t, err, "%s", out)
		})
	}
}

// TestMetaDataAdvertises checks what Pacemaker and pcs act on: reload-agent only with a Reload
// handler, one monitor entry per declared depth, honest timeouts.
func TestMetaDataAdvertises(t *testing.T) {
	md := example.MetaData()
	for _, s := range []string{
		`<action name="start" timeout="30s"/>`,
		`<action name="monitor" timeout="20s" interval="10s" depth="0"/>`,
		`<action name="monitor" timeout="40s" interval="60s" depth="10"/>`,
		`<action name="reload-agent" timeout="10s"/>`,
		`<action name="meta-data" timeout="5s"/>`,
		`<action name="validate-all" timeout="20s"/>`,
		`<parameter name="state" unique-group="state" unique="1" required="1">`,
		`<parameter name="count" required="0" reloadable="1">`,
		`<content type="select" default="normal">`,
		`<content type="string" default="0s"/>`,
	} {
		assert.Contains(t, md, s)
	}
	assert.NotContains(t, md, "trace_ra", "pcs adds trace_ra and trace_file itself")
	assert.NotContains(t, md, "DOCTYPE")

	bare := *example
	bare.Actions.Reload = nil
	bare.Params = bare.Params[:1]
	assert.NotContains(t, bare.MetaData(), "reload")
}
