package ocftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Golden fails unless the agent at path prints, as meta-data, the contract in metadata/typ.xml
// (make metadata rewrites it; metadata/metadata_test.go validates it against the schemas). The
// environment is all but empty: pcs and crm_resource ask for meta-data outside any resource.
func Golden(t testing.TB, path, typ string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("..", "metadata", typ+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "meta-data")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("meta-data: %v, stderr %q", err, stderr.String())
	}
	if string(got) != string(want) {
		t.Errorf("meta-data differs from metadata/%s.xml (run make metadata and commit): %s", typ, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line where got leaves want.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	line := func(l []string, i int) string {
		if i < len(l) {
			return l[i]
		}
		return "(end)"
	}
	for i := range max(len(w), len(g)) {
		if line(w, i) != line(g, i) {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, line(w, i), line(g, i))
		}
	}
	return ""
}

// Validate asks crm_resource to validate the installed agent's parameters (name=value), as pcs
// does on create, and returns its output and exit status.
func Validate(t testing.TB, provider, typ string, params ...string) (string, int) {
	t.Helper()
	args := []string{"--validate", "--class", "ocf", "--provider", provider, "--agent", typ}
	for _, p := range params {
		args = append(args, "--option", p)
	}
	return Tool(t, "crm_resource", args...)
}

// Describe runs pcs resource describe on the installed agent and fails unless pcs read its
// meta-data without a warning and titled it "agent - short"; it returns the description.
func Describe(t testing.TB, agent, short string) string {
	t.Helper()
	out, code := Tool(t, "pcs", "resource", "describe", agent)
	if code != 0 {
		t.Fatalf("pcs resource describe %s: exit %d\n%s", agent, code, out)
	}
	if !strings.Contains(out, agent+" - "+short) || strings.Contains(strings.ToLower(out), "warning") {
		t.Errorf("pcs resource describe %s: want the title %q and no warning:\n%s", agent, agent+" - "+short, out)
	}
	return out
}

// OfflinePcs returns pcs run against an empty CIB file of its own (pcs -f), as an administrator
// prepares a configuration before pushing it.
func OfflinePcs(t testing.TB) func(args ...string) (string, int) {
	t.Helper()
	cib := filepath.Join(t.TempDir(), "cib.xml")
	empty, code := Tool(t, "cibadmin", "--empty")
	if code != 0 {
		t.Fatalf("cibadmin --empty: exit %d\n%s", code, empty)
	}
	if err := os.WriteFile(cib, []byte(empty), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, int) { return Tool(t, "pcs", append([]string{"-f", cib}, args...)...) }
}
