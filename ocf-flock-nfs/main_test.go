package main

import (
	"os"
	"testing"

	"github.com/isard-vdi/flock-agents/lab/ocftest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	ocftest.Cleanup()
	os.Exit(code)
}

func agentPath(t testing.TB) string { return ocftest.Binary(t, "nfs") }
