// Package metadata holds the contract: the golden meta-data of every agent. Its test validates
// each file against the official schemas installed by Debian's fence-agents, pcs and
// resource-agents packages; `make metadata-check` diffs the files against the binaries.
package metadata

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var schemas = map[string][]string{
	"fence_espurna.xml": {"/usr/share/cluster/relaxng/metadata.rng", "/usr/share/pcs/data/ocf-1.0.rng"},
}

// ocfSchemas validate every OCF agent's meta-data.
var ocfSchemas = []string{"/usr/share/pcs/data/ocf-1.1.rng", "../agents/ocf/ocftest/ra-api-1.1.rng"}

func TestGoldenMetadataValidates(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint is not installed (make deps)")
	}
	files, _ := filepath.Glob("*.xml")
	if len(files) == 0 {
		t.Fatal("no golden meta-data: run make metadata")
	}
	for _, f := range files {
		rngs, ok := schemas[f]
		if !ok {
			rngs = ocfSchemas
		}
		for _, rng := range rngs {
			if _, err := os.Stat(rng); err != nil {
				t.Errorf("schema %s is missing (make deps installs it)", rng)
				continue
			}
			if out, err := exec.Command("xmllint", "--noout", "--relaxng", rng, f).CombinedOutput(); err != nil {
				t.Errorf("%s does not validate against %s: %s", f, rng, out)
			}
		}
	}
}
