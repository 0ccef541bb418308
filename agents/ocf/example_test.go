package ocf

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
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
			if err := exState(r); err != NotRunning {
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

// exCross is the agent's own check across parameters, beyond their types: the handlers report
// it as ErrConfigured, and the runtime must turn that into Unconfigured's answer on a stop or
// a probe.
func exCross(r *Request) error {
	if r.Values.Int("count") == 9 && r.Values.Bool("paranoid") {
		return Exit(ErrConfigured, "count 9 cannot go with paranoid")
	}
	return nil
}

func exStart(r *Request) error {
	if err := exCross(r); err != nil {
		return err
	}
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
	if err := exCross(r); err != nil {
		return err
	}
	if err := exMonitor(r); err == NotRunning {
		return nil
	}
	return r.P.Files.WriteFile(r.Values.String("state"), []byte("stopped"), 0o644)
}

func exMonitor(r *Request) error {
	if err := exCross(r); err != nil {
		return err
	}
	return exState(r)
}

// exState is what the state file says: running (nil), NotRunning, or degraded.
func exState(r *Request) error {
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
// "plain" (see agent) it runs that agent, so the tests drive the real process protocol —
// argv, environment, exit status, stderr — exactly as Pacemaker, crm_resource and ocf-tester do.
func TestMain(m *testing.M) {
	switch base := filepath.Base(os.Args[0]); {
	case strings.HasPrefix(base, "example"):
		os.Exit(Main(example))
	case strings.HasPrefix(base, "plain"):
		os.Exit(Main(plain))
	}
	os.Exit(ocftest.Main(m))
}

var agentsOnce sync.Once

// agent returns the path of the named agent ("example" or "plain"): a copy of the test binary
// in ocftest's world-readable directory.
func agent(t *testing.T, name string) string {
	t.Helper()
	agentsOnce.Do(func() {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"example", "plain"} {
			ocftest.Copy(t, self, n)
		}
	})
	return filepath.Join(ocftest.Dir(t), name)
}

// pacemakerEnv is what pacemaker-execd gives the example agent.
var pacemakerEnv = ocftest.Env("t1", "example")

// runAgent runs the named agent with argv [agent, args...] and pacemaker-execd's env plus env.
func runAgent(t *testing.T, name string, env []string, args ...string) ocftest.Outcome {
	t.Helper()
	return ocftest.Run(t, agent(t, name), append(ocftest.Env("t1", name), env...), args...)
}
