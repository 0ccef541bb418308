package ocf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
)

// example is a throwaway agent that exercises the runtime: its state lives in the file named by
// the state parameter, and mode makes its handlers misbehave in every way the runtime must cope
// with.
var example = &Agent{
	Name: "example", Version: "0.1",
	Short: "Runtime test agent",
	Long:  "Keeps its state in a file; the mode parameter makes its handlers fail in chosen ways.",
	Params: []param.Param{
		{Name: "state", Kind: param.String, Required: true, Unique: true, Short: "State file",
			Long: "Path of the file that records whether the resource runs."},
		{Name: "count", Kind: param.Integer, Default: "3", Min: ptr(1), Max: ptr(10), Reloadable: true,
			Short: "A bounded integer", Long: "Any number from 1 to 10; applied by reload-agent."},
		{Name: "paranoid", Kind: param.Boolean, Default: "no", Short: "A boolean"},
		{Name: "mode", Kind: param.Select, Default: "normal", Short: "How the handlers behave",
			Choices: []string{"normal", "fail", "args", "degraded", "hang", "stuck", "long", "panic"}},
		{Name: "delay", Kind: param.Duration, Default: "0s", Short: "How long start takes",
			Long: "A duration such as 500ms, 2s or 1min."},
		{Name: "password", Kind: param.String, Secret: true, Short: "A secret that must never show"},
		{Name: "pin", Kind: param.Integer, Secret: true, Short: "A secret number"},
	},
	Actions: Actions{
		Start: exStart, Stop: exStop, Monitor: exMonitor, Validate: exValidate, Reload: exReload,
		Unconfigured: func(r *Request, bad error) error {
			if !r.Values.IsSet("state") {
				return Exit(ErrGeneric, "cannot tell whether anything runs: %v", bad)
			}
			if err := exMonitor(r); err != NotRunning {
				return Exit(ErrGeneric, "refusing to call it stopped: %v", bad)
			}
			return nil
		},
	},
	Timeouts: map[string]time.Duration{"start": 30 * time.Second, "stop": 25 * time.Second, "reload-agent": 10 * time.Second},
	Monitors: []Monitor{{Interval: 10 * time.Second, Timeout: 20 * time.Second}, {Interval: 60 * time.Second, Depth: 10, Timeout: 40 * time.Second}},
}

// plain is example without Unconfigured, for the runtime's own answer to bad parameters.
var plain = func() *Agent {
	a := *example
	a.Name = "plain"
	a.Actions.Unconfigured = nil
	return &a
}()

func ptr(n int64) *int64 { return &n }

func exValidate(r *Request) error {
	if r.Values.String("mode") == "args" {
		return Exit(ErrArgs, "mode args is invalid on this node")
	}
	if r.Depth >= 10 {
		dir := filepath.Dir(r.Values.String("state"))
		if fi, err := r.P.Files.Stat(dir); err != nil || !fi.Mode.IsDir() {
			return Exit(ErrInstalled, "directory %s does not exist", dir)
		}
	}
	return nil
}

func exStart(r *Request) error {
	if err := exValidate(r); err != nil {
		return err
	}
	switch r.Values.String("mode") {
	case "fail":
		return errors.New("start failed with password " + r.Values.String("password"))
	case "hang":
		<-r.Ctx.Done()
		return fmt.Errorf("waiting for the device: %w", r.Ctx.Err())
	case "stuck":
		time.Sleep(time.Hour) // ignores Ctx on purpose
	case "long":
		return errors.New(strings.Repeat("a very long\nmulti-line reason ", 20))
	case "panic":
		panic("boom")
	}
	if err := r.P.Clock.Sleep(r.Ctx, r.Values.Duration("delay")); err != nil {
		return err
	}
	return r.P.Files.WriteFile(r.Values.String("state"), []byte("running "+r.Values.String("count")), 0o644)
}

func exStop(r *Request) error {
	if err := exMonitor(r); err == NotRunning {
		return nil
	}
	return r.P.Files.WriteFile(r.Values.String("state"), []byte("stopped"), 0o644)
}

func exMonitor(r *Request) error {
	b, err := r.P.Files.ReadFile(r.Values.String("state"))
	switch {
	case errors.Is(err, fs.ErrNotExist), err == nil && !bytes.HasPrefix(b, []byte("running")):
		return NotRunning
	case err != nil:
		return err
	case r.Values.String("mode") == "degraded":
		return Exit(Degraded, "running, but degraded")
	}
	return nil
}

func exReload(r *Request) error {
	if err := exMonitor(r); err != nil {
		return err
	}
	return r.P.Files.WriteFile(r.Values.String("state"), []byte("running "+r.Values.String("count")), 0o644)
}

// TestMain makes the test binary double as the agents: copied under the name "example" or
// "plain" (see agentDir) it runs that agent, so the tests drive the real process protocol —
// argv, environment, exit status, stderr — exactly as Pacemaker, crm_resource and ocf-tester do.
func TestMain(m *testing.M) {
	switch base := filepath.Base(os.Args[0]); {
	case strings.HasPrefix(base, "example"):
		os.Exit(Main(example))
	case strings.HasPrefix(base, "plain"):
		os.Exit(Main(plain))
	}
	code := m.Run()
	if agentPath != "" {
		os.RemoveAll(agentPath)
	}
	os.Exit(code)
}

var (
	agentOnce sync.Once
	agentPath string
	agentErr  error
)

// agentDir returns a world-readable directory holding the agents "example" and "plain", made
// once per test binary and removed by TestMain: nobody must be able to run them, as ocf-tester
// and the unprivileged tests do, which t.TempDir's 0700 parents would forbid.
func agentDir(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() {
		var self, dir string
		if self, agentErr = os.Executable(); agentErr != nil {
			return
		}
		if dir, agentErr = os.MkdirTemp("", "ocf-agents-"); agentErr != nil {
			return
		}
		if agentErr = os.Chmod(dir, 0o755); agentErr != nil {
			return
		}
		for _, name := range []string{"example", "plain"} {
			if agentErr = copyFile(self, filepath.Join(dir, name)); agentErr != nil {
				return
			}
		}
		agentPath = dir
	})
	if agentErr != nil {
		t.Fatalf("preparing the agent binaries: %v", agentErr)
	}
	return agentPath
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

// stateDir is a directory for state files that the agents, possibly run as nobody, can use.
func stateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// outcome is what a run of an agent binary produced.
type outcome struct {
	code           int
	stdout, stderr string
	reason         string // the last exit reason, as Pacemaker reads it
	reasons        int
}

// pacemakerEnv is what pacemaker-execd gives an agent (lab notes §A.6), less what varies.
var pacemakerEnv = []string{
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf",
	"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
	"OCF_RESOURCE_INSTANCE=t1", "OCF_RESOURCE_PROVIDER=flock", "OCF_RESKEY_crm_feature_set=3.16.1",
	"OCF_RESKEY_CRM_meta_timeout=20000", "HA_logfacility=none",
}

// runAgent runs the named agent with argv [agent, args...] and pacemakerEnv plus env.
func runAgent(t *testing.T, agent string, env []string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(filepath.Join(agentDir(t), agent), args...)
	cmd.Env = append(append([]string{"OCF_RESOURCE_TYPE=" + agent}, pacemakerEnv...), env...)
	cmd.Stdin = nil // /dev/null, as under pacemaker-execd
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	o := outcome{stdout: out.String(), stderr: errb.String()}
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		o.code = ee.ExitCode()
	default:
		t.Fatalf("running %s %v: %v", agent, args, err)
	}
	for _, l := range strings.Split(o.stderr, "\n") {
		if i := strings.LastIndex(l, "ocf-exit-reason:"); i >= 0 {
			o.reason = l[i+len("ocf-exit-reason:"):]
			o.reasons++
		}
	}
	return o
}
