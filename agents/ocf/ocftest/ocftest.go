// Package ocftest drives the binaries of OCF agents in tests the way Pacemaker, crm_resource,
// pcs and ocf-tester do: built into a directory anyone can read (ocf-tester runs as nobody,
// Pacemaker's controller as hacluster), run with pacemaker-execd's environment, installed where
// the cluster tools look. Only tests import it.
package ocftest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Main runs the tests, then removes what Dir made. Call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	return code
}

var (
	dirOnce sync.Once
	dir     string
	dirErr  error
	builtMu sync.Mutex
	built   = map[string]error{}
)

// Dir is a world-readable directory for agent binaries, one per test process: t.TempDir's 0700
// parents would keep nobody out.
func Dir(t testing.TB) string {
	t.Helper()
	dirOnce.Do(func() {
		if dir, dirErr = os.MkdirTemp("", "ocf-agents-"); dirErr == nil {
			dirErr = os.Chmod(dir, 0o755)
		}
	})
	if dirErr != nil {
		t.Fatalf("agent directory: %v", dirErr)
	}
	return dir
}

// Build builds the package main in pkg (a directory, "." for the test's own) once per test
// process, as Dir/name, and returns its path.
func Build(t testing.TB, pkg, name string) string {
	t.Helper()
	path := filepath.Join(Dir(t), name)
	builtMu.Lock()
	defer builtMu.Unlock()
	err, ok := built[path]
	if !ok {
		if out, e := exec.Command("go", "build", "-o", path, pkg).CombinedOutput(); e != nil {
			err = fmt.Errorf("go build %s: %v: %s", pkg, e, out)
		}
		built[path] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Copy copies the file from (typically the test binary itself, doubling as an agent) to Dir/name.
func Copy(t testing.TB, from, name string) string {
	t.Helper()
	path := filepath.Join(Dir(t), name)
	if err := copyFile(from, path); err != nil {
		t.Fatalf("copying %s: %v", from, err)
	}
	return path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// StateDir is a scratch directory that agents run as nobody can write to.
func StateDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

// Env is what pacemaker-execd gives an agent (its clean environment, a 20 s timeout), less what
// varies between calls.
func Env(instance, typ string) []string {
	return []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf",
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
		"OCF_RESOURCE_INSTANCE=" + instance, "OCF_RESOURCE_TYPE=" + typ, "OCF_RESOURCE_PROVIDER=flock",
		"OCF_RESKEY_crm_feature_set=3.16.1", "OCF_RESKEY_CRM_meta_timeout=20000", "HA_logfacility=none",
	}
}

// Outcome is what one run of an agent produced.
type Outcome struct {
	Code           int
	Stdout, Stderr string
	Reason         string // the last exit reason, as Pacemaker reads it
	Reasons        int
}

func (o Outcome) String() string {
	return fmt.Sprintf("exit %d, reason %q\n%s", o.Code, o.Reason, o.Stderr)
}

// Run runs the agent at path with exactly env and argv [path, args...], stdin /dev/null as under
// pacemaker-execd.
func Run(t testing.TB, path string, env []string, args ...string) Outcome {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := Outcome{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		o.Code = ee.ExitCode()
	default:
		t.Fatalf("running %s %v: %v", path, args, err)
	}
	for _, l := range strings.Split(o.Stderr, "\n") {
		if i := strings.LastIndex(l, "ocf-exit-reason:"); i >= 0 {
			o.Reason = l[i+len("ocf-exit-reason:"):]
			o.Reasons++
		}
	}
	return o
}

// Need skips the test unless tool is installed, and returns its path.
func Need(t testing.TB, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (make deps)", tool)
	}
	return path
}

// NeedRoot skips the test unless it runs as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// Tool runs an installed program with a clean PATH in a scratch directory and returns its
// combined output and exit status.
func Tool(t testing.TB, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(Need(t, name), args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

// Root is the OCF root Pacemaker was built with: crm_resource and pcs look only there.
const Root = "/usr/lib/ocf/resource.d"

// Install links the agent at path into a provider of its own under Root (so nothing of a real
// installation is touched, and parallel test processes do not meet), as typ, and returns the
// provider. A link: Pacemaker runs the file it points to, which is world-readable.
func Install(t testing.TB, path, typ string) string {
	t.Helper()
	NeedRoot(t)
	if _, err := os.Stat(Root); err != nil {
		t.Skip("no OCF root at " + Root + " (make deps installs Pacemaker)")
	}
	provider := fmt.Sprintf("flocktest%d", os.Getpid())
	d := filepath.Join(Root, provider)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(d, typ)
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(link)
		os.Remove(d) // only once empty: another test of this process may still use it
	})
	return provider
}

// RNG is the official OCF 1.1 meta-data schema (a copy; see the file's header).
//
//go:embed ra-api-1.1.rng
var RNG []byte

// RNGFile writes RNG to a file for xmllint and returns its path.
func RNGFile(t testing.TB) string {
	t.Helper()
	f := filepath.Join(StateDir(t), "ra-api-1.1.rng")
	if err := os.WriteFile(f, RNG, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

var testerFailure = regexp.MustCompile(`(?m)^\* rc=\d+: .*$`)

// OCFTester runs resource-agents' ocf-tester with args (its options, then the agent's path) and
// env. ocf-tester lints meta-data against the OCF 1.0 DTD, which 1.1 meta-data cannot pass: that
// must be its one failure, and a copy whose lint is the OCF 1.1 schema must pass outright. It
// returns both outputs.
func OCFTester(t testing.TB, env []string, args ...string) (stock, patched string) {
	t.Helper()
	tester := Need(t, "ocf-tester")
	Need(t, "xmllint")
	run := func(path string) (string, error) {
		cmd := exec.Command(path, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	stock, err := run(tester)
	failures := testerFailure.FindAllString(stock, -1)
	if len(failures) != 1 || !strings.Contains(failures[0], "does not conform to ra-api-1.dtd") || err == nil {
		t.Errorf("ocf-tester: want exactly the ra-api-1.dtd failure, got %q:\n%s", failures, stock)
	}
	script, rerr := os.ReadFile(tester)
	if rerr != nil {
		t.Fatal(rerr)
	}
	const lint = `METADATA_LINT="xmllint --noout --valid -"`
	if !bytes.Contains(script, []byte(lint)) {
		t.Fatalf("%s no longer sets %s: revisit this helper", tester, lint)
	}
	copy := filepath.Join(StateDir(t), "ocf-tester-1.1")
	lint11 := fmt.Sprintf(`METADATA_LINT="xmllint --noout --relaxng %s -"`, RNGFile(t))
	if err := os.WriteFile(copy, bytes.Replace(script, []byte(lint), []byte(lint11), 1), 0o755); err != nil {
		t.Fatal(err)
	}
	patched, err = run(copy)
	if err != nil || !strings.Contains(patched, "passed all tests") {
		t.Errorf("ocf-tester with the OCF 1.1 lint: %v\n%s", err, patched)
	}
	return stock, patched
}
