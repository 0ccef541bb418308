package fence_test

// Shared harness for the tests that drive the real test agent binary
// (testdata/fence_test_agent) through the fence-agent protocol, as Pacemaker does.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	tmpRoot   string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fence-runtime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// agentBinary builds testdata/fence_test_agent once per test run (only when a test needs it, so
// fuzzing does not pay for it).
func agentBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() { binPath, buildErr = buildAgent() })
	if buildErr != nil {
		t.Fatalf("building the test agent: %v", buildErr)
	}
	return binPath
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

func buildAgent() (string, error) {
	out := filepath.Join(tmpRoot, "fence_flocktest")
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./testdata/fence_test_agent")
	cmd := exec.Command(goTool(), args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return out, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// result is one finished run of the agent.
type result struct {
	Stdout, Stderr string
	Code           int
	Start          time.Time // just before the process was started
	Elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.Code, r.Stdout, r.Stderr)
}

// hangGuard kills an agent that never ends; it is a safety net, not a timing assertion.
const hangGuard = 3 * time.Minute

// baseEnv is the test's environment without anything Pacemaker (PCMK_service) or a tape
// session (FLOCK_TAPE_*) might have left in it.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PCMK_") && !strings.HasPrefix(kv, "FLOCK_TAPE_") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// runAgent starts the agent with argv args (none: parameters come from stdin, as Pacemaker calls
// it) and extra environment variables.
func runAgent(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	bin := agentBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errb.String(), Start: start, Elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("agent did not finish within %s (hung?)\n%s", hangGuard, r)
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		r.Code = ee.ExitCode()
	default:
		t.Fatalf("running agent: %v\n%s", err, r)
	}
	return r
}

// stdin runs the agent the way fenced does: no argv, key=value lines on stdin.
func stdin(t *testing.T, lines ...string) result {
	t.Helper()
	return runAgent(t, strings.Join(lines, "\n")+"\n", nil)
}

// stdinEnv is stdin with extra environment.
func stdinEnv(t *testing.T, env []string, lines ...string) result {
	t.Helper()
	return runAgent(t, strings.Join(lines, "\n")+"\n", env)
}

// argv runs the agent with command-line options and nothing on stdin.
func argv(t *testing.T, args ...string) result {
	t.Helper()
	return runAgent(t, "", nil, args...)
}

// The test agent's state file (mirrors testdata/fence_test_agent).
type plugState struct {
	State    string `json:"state"`
	Alias    string `json:"alias,omitempty"`
	OffAfter int    `json:"off_after,omitempty"`
}

type record struct {
	Action         string   `json:"action"`
	Plugs          []string `json:"plugs"`
	Nodename       string   `json:"nodename,omitempty"`
	IP             string   `json:"ip,omitempty"`
	Username       string   `json:"username,omitempty"`
	Password       string   `json:"password,omitempty"`
	VerboseLevel   int64    `json:"verbose_level"`
	PowerTimeout   string   `json:"power_timeout"`
	DisableTimeout bool     `json:"disable_timeout"`
	SSL            bool     `json:"ssl"`
	Delay          string   `json:"delay"`
}

type deviceState struct {
	Plugs       map[string]*plugState `json:"plugs"`
	FirstAccess int64                 `json:"first_access_unix_nano,omitempty"`
	Ops         []string              `json:"ops,omitempty"`
	Requests    []record              `json:"requests,omitempty"`
}

// device is one state file: the plugs of a fake power switch.
type device struct {
	Path string
}

// newDevice creates a state file with plugs given as "id=on" / "id=off"; plug N's alias is nodeN.
func newDevice(t *testing.T, plugs ...string) *device {
	t.Helper()
	s := deviceState{Plugs: map[string]*plugState{}}
	for _, p := range plugs {
		id, st, ok := strings.Cut(p, "=")
		require.True(t, ok, "plug spec %q", p)
		s.Plugs[id] = &plugState{State: st, Alias: "node" + id}
	}
	b, err := json.Marshal(&s)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "plugs.json")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return &device{Path: path}
}

func (d *device) read(t *testing.T) deviceState {
	t.Helper()
	b, err := os.ReadFile(d.Path)
	require.NoError(t, err)
	var s deviceState
	require.NoError(t, json.Unmarshal(b, &s), "state file: %s", b)
	return s
}

// Arg is the state_file line for stdin.
func (d *device) Arg() string { return "state_file=" + d.Path }

// state is plug id's recorded power state.
func (d *device) state(t *testing.T, id string) string {
	t.Helper()
	p := d.read(t).Plugs[id]
	require.NotNil(t, p, "plug %s", id)
	return p.State
}

// last is the request the device saw last.
func (d *device) last(t *testing.T) record {
	t.Helper()
	s := d.read(t)
	require.NotEmpty(t, s.Requests, "the agent never reached the device")
	return s.Requests[len(s.Requests)-1]
}

// ops lists the device operations matching prefix, in order.
func (d *device) ops(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	for _, o := range d.read(t).Ops {
		if strings.HasPrefix(o, prefix) {
			out = append(out, o)
		}
	}
	return out
}

// firstAccess is when the agent first touched the device.
func (d *device) firstAccess(t *testing.T) time.Time {
	t.Helper()
	s := d.read(t)
	require.NotZero(t, s.FirstAccess, "the agent never touched the device")
	return time.Unix(0, s.FirstAccess)
}

// lines splits output into non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func sorted(s []string) []string { s = append([]string{}, s...); sort.Strings(s); return s }
