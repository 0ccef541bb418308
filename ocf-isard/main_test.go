package main

import (
	"os"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
)

func TestMain(m *testing.M) { os.Exit(ocftest.Main(m)) }

// agentPath returns the agent, built once for the test process.
func agentPath(t testing.TB) string { return ocftest.Build(t, ".", "isard") }

// pacemakerEnv is what pacemaker-execd gives the agent, less what varies.
var pacemakerEnv = ocftest.Env("isard", "isard")

// runIn runs the agent's action with pacemakerEnv plus env, through prefix (nsenter) if given.
func runIn(t *testing.T, prefix []string, action string, env ...string) ocftest.Outcome {
	t.Helper()
	argv := append(append(append([]string{}, prefix...), agentPath(t)), action)
	return ocftest.Run(t, argv[0], append(append([]string{}, pacemakerEnv...), env...), argv[1:]...)
}

func run(t *testing.T, action string, env ...string) ocftest.Outcome {
	t.Helper()
	return runIn(t, nil, action, env...)
}
