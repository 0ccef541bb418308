package main

import (
	"os"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
)

func TestMain(m *testing.M) { os.Exit(ocftest.Main(m)) }

// agentPath returns the agent, built once for the test process.
func agentPath(t testing.TB) string { return ocftest.Build(t, ".", "writeboost") }

// pacemakerEnv is what pacemaker-execd gives the agent, less what varies.
var pacemakerEnv = ocftest.Env("wb1", "writeboost")

// run runs the agent's action with pacemakerEnv plus env.
func run(t *testing.T, action string, env ...string) ocftest.Outcome {
	t.Helper()
	return ocftest.Run(t, agentPath(t), append(append([]string{}, pacemakerEnv...), env...), action)
}
