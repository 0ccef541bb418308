package main

import (
	"os"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
)

func TestMain(m *testing.M) { os.Exit(ocftest.Main(m)) }

// agentPath returns the agent, built once for the test process.
func agentPath(t testing.TB) string { return ocftest.Build(t, ".", "nfs") }
