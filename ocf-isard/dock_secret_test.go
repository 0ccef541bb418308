package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretStack is IsardVDI's way with secrets: the .env holds them, compose puts them in the
// containers' environment.
const secretStack = `version: "2.4"
services:
  isard-db:
    image: dock/busybox:1
    restart: "no"
    environment:
      WEBAPP_ADMIN_PWD: ${WEBAPP_ADMIN_PWD}
    command: ["sh", "-c", "echo db up; exit 4"]
  isard-redis:
    image: dock/busybox:1
    restart: "no"
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
`

// TestDockSecretsNotInTapes: a recorded tape (what an operator sends in a bug report) holds no
// value of the env file, neither from compose config's output nor from the daemon's inspect.
func TestDockSecretsNotInTapes(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	const secret = "Hunter2-s3cret-of-the-school"
	require.NoError(t, os.WriteFile(filepath.Join(l.dir, "docker-compose.yml"), []byte(secretStack), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(l.dir, ".env"), []byte("WEBAPP_ADMIN_PWD="+secret+"\n"), 0o600))
	t.Cleanup(func() { l.run("", "stop") })
	tapes := t.TempDir()
	rec := func(name string) string { return "FLOCK_TAPE_RECORD=" + filepath.Join(tapes, name) }
	o := l.run("", "start", "OCF_RESKEY_optional_services=", "OCF_RESKEY_CRM_meta_timeout=60000", rec("start.tape"))
	require.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "service isard-db: isard_isard-db_1 exited 4")
	assert.NotContains(t, o.Reason+o.Stderr, secret)
	o = l.run("", "monitor", "OCF_RESKEY_optional_services=", "OCF_RESKEY_CRM_meta_interval=30000", rec("monitor.tape"))
	require.Equal(t, 1, o.Code, o)
	for _, name := range []string{"start.tape", "monitor.tape"} {
		b, err := os.ReadFile(filepath.Join(tapes, name))
		require.NoError(t, err)
		assert.NotContains(t, string(b), secret, "%s holds the env file's secret", name)
	}
}
