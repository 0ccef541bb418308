package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scaledStack is a project whose service web runs two replicas (no container_name).
const scaledStack = `version: "2.4"
services:
  web:
    image: dock/busybox:1
    restart: "no"
    scale: 2
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
  isard-stats:
    image: dock/busybox:1
    restart: "no"
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
`

// TestDockScaledServicePartial: a service of two replicas with one of them dead is a partial
// stack: monitor says so, whichever replica the daemon lists last.
func TestDockScaledServicePartial(t *testing.T) {
	forEachImpl(t, func(t *testing.T, l *dockLab) {
		require.NoError(t, os.WriteFile(filepath.Join(l.dir, "docker-compose.yml"), []byte(scaledStack), 0o644))
		t.Cleanup(func() { l.run("", "stop", "OCF_RESKEY_CRM_meta_timeout=60000") })
		l.start("")
		ids, err := l.docker("ps", "-q", "--filter", "label=com.docker.compose.project=isard", "--filter", "label=com.docker.compose.service=web")
		require.NoError(t, err, ids)
		require.Len(t, splitLines(ids), 2, "two replicas of web")
		o := l.run("", "monitor", "OCF_RESKEY_CRM_meta_interval=30000")
		require.Equal(t, 0, o.Code, o)
		for _, id := range splitLines(ids) {
			_, err := l.docker("kill", id)
			require.NoError(t, err)
			o = l.run("", "monitor", "OCF_RESKEY_CRM_meta_interval=30000")
			assert.Equal(t, 1, o.Code, "one replica of web dead: %s", o)
			assert.Contains(t, o.Reason, "service web:")
			_, err = l.docker("start", id)
			require.NoError(t, err)
		}
	})
}

func splitLines(s string) []string { return strings.Fields(s) }

// crashLoopStack has a service that restart: on-failure restarts again and again.
const crashLoopStack = `version: "2.4"
services:
  web:
    image: dock/busybox:1
    restart: on-failure
    command: ["sh", "-c", "echo web: cannot bind port 80; exit 1"]
  isard-stats:
    image: dock/busybox:1
    restart: "no"
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
`

// TestDockCrashLoopReason: a service in a crash loop never comes up; the start that gives up on
// it at its deadline, and monitor, say why with its last log line.
func TestDockCrashLoopReason(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	require.NoError(t, os.WriteFile(filepath.Join(l.dir, "docker-compose.yml"), []byte(crashLoopStack), 0o644))
	t.Cleanup(func() { l.run("", "stop", "OCF_RESKEY_CRM_meta_timeout=60000") })
	o := l.run("", "start", "OCF_RESKEY_CRM_meta_timeout=20000")
	require.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "service web:")
	assert.Contains(t, o.Reason, "last log: web: cannot bind port 80")
	l.until("web restarting", func() bool {
		s, _ := l.docker("ps", "-a", "--filter", "label=com.docker.compose.service=web", "--format", "{{.State}}")
		return s == "restarting"
	})
	o = l.run("", "monitor", "OCF_RESKEY_CRM_meta_interval=30000")
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "last log: web: cannot bind port 80")
}
