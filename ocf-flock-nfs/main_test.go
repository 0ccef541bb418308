package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if agentDir != "" {
		os.RemoveAll(agentDir)
	}
	os.Exit(code)
}

var (
	agentOnce sync.Once
	agentDir  string
	agentErr  error
)

// agentPath returns the agent, built once into a world-readable directory of its own, so tests
// drive the real process protocol as Pacemaker, crm_resource and pcs do.
func agentPath(t testing.TB) string {
	t.Helper()
	agentOnce.Do(func() {
		if agentDir, agentErr = os.MkdirTemp("", "ocf-flock-nfs-"); agentErr != nil {
			return
		}
		if agentErr = os.Chmod(agentDir, 0o755); agentErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(agentDir, "nfs"), ".").CombinedOutput()
		if err != nil {
			agentErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if agentErr != nil {
		t.Fatalf("preparing the agent binary: %v", agentErr)
	}
	return filepath.Join(agentDir, "nfs")
}
