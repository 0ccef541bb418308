package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below run the agent against a real dockerd that lab/dock/dock.sh started in its own
// network namespace (make e2e-isard does), on the IsardVDI-shaped project of lab/dock/stack,
// once per compose implementation found. They check the daemon's side with the docker CLI, not
// with the agent's own code. FLOCK_ISARD_TAPES=DIR records a tape of the v1 runs that name one.

// dockLab is one implementation's project on the test daemon.
type dockLab struct {
	t       *testing.T
	impl    string // v1 or v2
	socket  string
	netns   string
	dir     string // the project
	data    string // a mounted tmpfs: the data mount
	rsctmp  string
	compose string
}

func dockSocket(t *testing.T) string {
	s := os.Getenv("FLOCK_DOCK_SOCKET")
	if s == "" {
		t.Skip("no test dockerd: make e2e-isard starts one (FLOCK_DOCK_SOCKET)")
	}
	return s
}

// impls are the compose implementations to test with: Debian's v1, and v2 built from its module
// when lab/dock/compose-v2.sh could (FLOCK_COMPOSE_V2).
func impls(t *testing.T) map[string]string {
	out := map[string]string{}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		if v, _ := exec.Command(p, "version", "--short").Output(); strings.HasPrefix(string(v), "1.") {
			out["v1"] = p
		}
	}
	if p := os.Getenv("FLOCK_COMPOSE_V2"); p != "" {
		out["v2"] = p
	}
	require.NotEmpty(t, out, "no compose: make deps installs docker-compose")
	return out
}

func newDockLab(t *testing.T, impl, composeCmd string) *dockLab {
	l := &dockLab{t: t, impl: impl, socket: dockSocket(t), netns: os.Getenv("FLOCK_DOCK_NETNS"), compose: composeCmd}
	base := t.TempDir()
	l.dir, l.data, l.rsctmp = filepath.Join(base, "src"), filepath.Join(base, "isard"), filepath.Join(base, "rsc")
	for _, d := range []string{l.dir, l.data, l.rsctmp} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	b, err := os.ReadFile(filepath.Join("..", "lab", "dock", "stack", "docker-compose.yml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(l.dir, "docker-compose.yml"), b, 0o644))
	require.NoError(t, exec.Command("mount", "-t", "tmpfs", "isard-data", l.data).Run())
	t.Cleanup(func() {
		// Whatever a failed test left: the next must start from nothing.
		l.docker("rm", "-f", "isard-db", "isard-apiv4", "isard-portal", "isard-redis", "isard-stats", "isard-orphan")
		exec.Command("umount", l.data).Run()
	})
	return l
}

func (l *dockLab) env(extra ...string) []string {
	return append([]string{"OCF_RESKEY_project_dir=" + l.dir, "OCF_RESKEY_data_mount=" + l.data,
		"OCF_RESKEY_docker_socket=" + l.socket, "OCF_RESKEY_compose=" + l.compose, "HA_RSCTMP=" + l.rsctmp,
		"OCF_RESKEY_optional_services=isard-stats"}, extra...)
}

// run runs an action; a tape name records it when FLOCK_ISARD_TAPES asks (v1 only, so the
// corpus is one implementation's).
func (l *dockLab) run(tapeName, action string, extra ...string) ocftest.Outcome {
	l.t.Helper()
	return l.runIn(nil, tapeName, action, extra...)
}

func (l *dockLab) runIn(prefix []string, tapeName, action string, extra ...string) ocftest.Outcome {
	l.t.Helper()
	env := l.env(extra...)
	if dir := os.Getenv("FLOCK_ISARD_TAPES"); dir != "" && tapeName != "" && l.impl == "v1" {
		env = append(env, "FLOCK_TAPE_RECORD="+filepath.Join(dir, tapeName+".tape"))
	}
	return runIn(l.t, prefix, action, env...)
}

// docker runs the docker CLI against the test daemon: the tests' own view of it.
func (l *dockLab) docker(args ...string) (string, error) {
	out, err := exec.Command("docker", append([]string{"-H", "unix://" + l.socket}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// containers lists the project's containers by label, "name state" each, sorted by name.
func (l *dockLab) containers() []string {
	out, err := l.docker("ps", "-a", "--filter", "label=com.docker.compose.project=isard", "--format", "{{.Names}} {{.State}}")
	require.NoError(l.t, err, out)
	if out == "" {
		return nil
	}
	lines := strings.Split(out, "\n")
	return sortStrings(lines)
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func (l *dockLab) health(name string) string {
	out, _ := l.docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", name)
	return out
}

// until polls the daemon's state (never a sleep-and-hope): f must come true within a minute.
func (l *dockLab) until(what string, f func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			l.t.Fatalf("waiting for %s: not within a minute", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (l *dockLab) start(tapeName string, extra ...string) {
	l.t.Helper()
	o := l.run(tapeName, "start", append([]string{"OCF_RESKEY_CRM_meta_timeout=120000"}, extra...)...)
	require.Equal(l.t, 0, o.Code, o)
}

var stackNames = []string{"isard-apiv4", "isard-db", "isard-portal", "isard-redis", "isard-stats"}

func (l *dockLab) allRunning() []string {
	var want []string
	for _, n := range stackNames {
		want = append(want, n+" running")
	}
	return want
}

func forEachImpl(t *testing.T, f func(t *testing.T, l *dockLab)) {
	for impl, cmd := range impls(t) {
		t.Run(impl, func(t *testing.T) { f(t, newDockLab(t, impl, cmd)) })
	}
}

// TestDockStartWaitsForHealth: start returns once every healthcheck says healthy (the daemon's
// word, read by the test); a second start changes nothing; monitors at 0 and 10 say running.
func TestDockStartWaitsForHealth(t *testing.T) {
	forEachImpl(t, func(t *testing.T, l *dockLab) {
		l.start("start")
		assert.Equal(t, l.allRunning(), l.containers())
		for _, n := range []string{"isard-db", "isard-apiv4", "isard-redis"} {
			assert.Equal(t, "healthy", l.health(n), n)
		}
		ids, _ := l.docker("ps", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project=isard")
		l.start("start-running")
		again, _ := l.docker("ps", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project=isard")
		assert.Equal(t, ids, again, "a second start recreated containers")
		o := l.run("monitor", "monitor", "OCF_RESKEY_CRM_meta_interval=30000")
		assert.Equal(t, 0, o.Code, o)
		o = l.run("monitor-depth10", "monitor", "OCF_RESKEY_CRM_meta_interval=60000", "OCF_CHECK_LEVEL=10")
		assert.Equal(t, 0, o.Code, o)
		o = l.run("probe-running", "monitor")
		assert.Equal(t, 0, o.Code, o)

		o = l.run("stop", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
		require.Equal(t, 0, o.Code, o)
		assert.Empty(t, l.containers(), "stop left containers")
		o = l.run("stop-stopped", "stop")
		assert.Equal(t, 0, o.Code, o)
		o = l.run("probe-stopped", "monitor")
		assert.Equal(t, 7, o.Code, o)
	})
}

// TestDockFailures: a killed critical container is an error, a killed optional one degraded, an
// unhealthy one an error at depth 10 only; a partial stack is never "not running".
func TestDockFailures(t *testing.T) {
	forEachImpl(t, func(t *testing.T, l *dockLab) {
		l.start("")
		mon := func(tapeName string, extra ...string) ocftest.Outcome {
			return l.run(tapeName, "monitor", append([]string{"OCF_RESKEY_CRM_meta_interval=30000"}, extra...)...)
		}

		_, err := l.docker("kill", "isard-stats")
		require.NoError(t, err)
		o := mon("monitor-optional-killed")
		assert.Equal(t, 190, o.Code, o)
		assert.Contains(t, o.Reason, "optional service isard-stats: isard-stats exited 137: last log: stats collecting")

		out, err := l.docker("exec", "isard-redis", "touch", "/tmp/ill")
		require.NoError(t, err, out)
		l.until("isard-redis unhealthy", func() bool { return l.health("isard-redis") == "unhealthy" })
		o = mon("monitor-depth0-unhealthy")
		assert.Equal(t, 190, o.Code, "depth 0 does not look at health: %s", o)
		o = mon("monitor-unhealthy", "OCF_CHECK_LEVEL=10")
		assert.Equal(t, 1, o.Code, o)
		assert.Contains(t, o.Reason, "service isard-redis: isard-redis is unhealthy")

		_, err = l.docker("kill", "isard-apiv4")
		require.NoError(t, err)
		o = mon("monitor-critical-killed")
		assert.Equal(t, 1, o.Code, o)
		assert.Contains(t, o.Reason, "service isard-apiv4: isard-apiv4 exited 137: last log: api listening")

		// Only the database left: partial, for a probe too.
		for _, n := range []string{"isard-portal", "isard-redis"} {
			_, err = l.docker("stop", "-t", "1", n)
			require.NoError(t, err)
		}
		o = l.run("probe-partial", "monitor")
		assert.Equal(t, 1, o.Code, "a partial stack is not 'not running': %s", o)

		// A reboot's view: no record of this boot's start, one service running (dockerd's
		// restart policy): a probe reports it, as an error (partial), never 7.
		require.NoError(t, os.WriteFile(filepath.Join(l.rsctmp, "isard-isard.state"), []byte("boot 00000000-0000-0000-0000-000000000000\nservices isard-db\n"), 0o644))
		o = l.run("probe-other-boot", "monitor")
		assert.Equal(t, 1, o.Code, o)
		assert.Contains(t, o.Reason, "service isard-apiv4")

		o = l.run("stop-partial", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
		require.Equal(t, 0, o.Code, o)
		assert.Empty(t, l.containers())
	})
}

// TestDockStartFails: a critical service that exits fails the start, with its name and last log
// line; the refusals come before anything changes.
func TestDockStartFails(t *testing.T) {
	forEachImpl(t, func(t *testing.T, l *dockLab) {
		env := func(name, body string) string {
			require.NoError(t, os.WriteFile(filepath.Join(l.dir, name), []byte(body), 0o644))
			return "OCF_RESKEY_env_file=" + name
		}
		o := l.run("start-api-exits", "start", env("fail.env", "API_EXIT=1\n"), "OCF_RESKEY_CRM_meta_timeout=120000")
		assert.Equal(t, 1, o.Code, o)
		assert.Contains(t, o.Reason, "service isard-apiv4: isard-apiv4 exited 3: last log: api: cannot reach the database")
		o = l.run("", "stop", env("fail.env", "API_EXIT=1\n"))
		require.Equal(t, 0, o.Code, o)
		assert.Empty(t, l.containers())

		rp := env("rp.env", "PORTAL_RESTART=unless-stopped\n")
		o = l.run("validate-restart-policy", "validate-all", rp, "OCF_CHECK_LEVEL=10")
		assert.Equal(t, 0, o.Code, o)
		assert.Contains(t, o.Stderr, "WARNING: restart policy isard-portal=unless-stopped")
		o = l.run("start-restart-policy", "start", rp)
		assert.Equal(t, 6, o.Code, o)
		assert.Contains(t, o.Reason, "restart policy isard-portal=unless-stopped")
		assert.Empty(t, l.containers(), "a refused start created containers")

		o = l.run("start-image-missing", "start", env("img.env", "STATS_IMAGE=dock/absent:1\n"))
		assert.Equal(t, 5, o.Code, o)
		assert.Contains(t, o.Reason, "images not present on this node: dock/absent:1 (isard-stats)")
		assert.Empty(t, l.containers())

		bare := t.TempDir()
		o = l.run("start-bare-mountpoint", "start", "OCF_RESKEY_data_mount="+bare)
		assert.Equal(t, 1, o.Code, o)
		assert.Contains(t, o.Reason, "is not a mounted filesystem")
		assert.Empty(t, l.containers())

		o = l.run("", "start", "OCF_RESKEY_CRM_meta_clone_max=3")
		assert.Equal(t, 6, o.Code, o)
		assert.Contains(t, o.Reason, "must not be cloned")
	})
}

// TestDockDaemonDown: no daemon (no socket) is "not running" for a probe and stop succeeds; a
// socket nobody answers on is 7 for a probe, an error for a recurring monitor and for stop.
func TestDockDaemonDown(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	gone := "OCF_RESKEY_docker_socket=" + filepath.Join(t.TempDir(), "docker.sock")
	o := l.run("probe-no-daemon", "monitor", gone)
	assert.Equal(t, 7, o.Code, o)
	o = l.run("", "monitor", gone, "OCF_RESKEY_CRM_meta_interval=30000")
	assert.Equal(t, 1, o.Code, o)
	o = l.run("stop-no-daemon", "stop", gone)
	assert.Equal(t, 0, o.Code, o)

	// A socket left by a daemon that died: it exists, nothing answers.
	path := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	dead := "OCF_RESKEY_docker_socket=" + path
	o = l.run("probe-daemon-dead", "monitor", dead)
	assert.Equal(t, 7, o.Code, o)
	o = l.run("monitor-daemon-dead", "monitor", dead, "OCF_RESKEY_CRM_meta_interval=30000")
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "does not answer")
	o = l.run("stop-daemon-dead", "stop", dead)
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "cannot confirm isard is stopped")
}

// TestDockHealthURL: depth 20 fetches health_url; the agent runs in the daemon's network
// namespace, where the portal's published port is.
func TestDockHealthURL(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	if l.netns == "" {
		t.Skip("FLOCK_DOCK_NETNS not set")
	}
	l.start("")
	ns := []string{"nsenter", "--net=/run/netns/" + l.netns}
	o := l.runIn(ns, "monitor-depth20", "monitor", "OCF_CHECK_LEVEL=20", "OCF_RESKEY_CRM_meta_interval=60000",
		"OCF_RESKEY_health_url=http://127.0.0.1:8443/")
	assert.Equal(t, 0, o.Code, o)
	o = l.runIn(ns, "monitor-depth20-refused", "monitor", "OCF_CHECK_LEVEL=20", "OCF_RESKEY_CRM_meta_interval=60000",
		"OCF_RESKEY_health_url=http://127.0.0.1:8444/")
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "health_url http://127.0.0.1:8444/: refused")
	o = l.run("", "stop")
	require.Equal(t, 0, o.Code, o)
}

// TestDockStopRemovesStrays: a container of the project compose does not know (started by hand
// with the project's label) is removed too, and a stop without the compose files (the shared
// filesystem gone) still stops everything through the API.
func TestDockStopRemovesStrays(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	l.start("")
	out, err := l.docker("run", "-d", "--name", "isard-orphan", "--label", "com.docker.compose.project=isard",
		"--label", "com.docker.compose.service=orphan", "dock/busybox:1", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done")
	require.NoError(t, err, out)
	require.NoError(t, os.Rename(filepath.Join(l.dir, "docker-compose.yml"), filepath.Join(l.dir, "moved.yml")))
	o := l.run("stop-without-files", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
	require.Equal(t, 0, o.Code, o)
	assert.Empty(t, l.containers())
}

// TestDockStopRemovesOneOffs: a `compose run` container of the project (oneoff=True) is a
// container of the project like any other: stop removes it, through the API when compose cannot
// run here, and does not report stopped while it runs.
func TestDockStopRemovesOneOffs(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	l.start("")
	out, err := l.docker("run", "-d", "--name", "isard-orphan", "--label", "com.docker.compose.project=isard",
		"--label", "com.docker.compose.service=isard-db", "--label", "com.docker.compose.oneoff=True",
		"dock/busybox:1", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done")
	require.NoError(t, err, out)
	require.NoError(t, os.Rename(filepath.Join(l.dir, "docker-compose.yml"), filepath.Join(l.dir, "moved.yml")))
	o := l.run("", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
	require.Equal(t, 0, o.Code, o)
	assert.Empty(t, l.containers(), "stop reported stopped with a container of the project left")

	// Only a one-off runs: the project is not stopped here, nor is it the stack.
	out, err = l.docker("run", "-d", "--name", "isard-orphan", "--label", "com.docker.compose.project=isard",
		"--label", "com.docker.compose.service=isard-db", "--label", "com.docker.compose.oneoff=True",
		"dock/busybox:1", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done")
	require.NoError(t, err, out)
	o = l.run("", "monitor")
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "isard-orphan (running)")
	o = l.run("", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
	require.Equal(t, 0, o.Code, o)
	assert.Empty(t, l.containers())
}

// TestDockProbeHandMade: a container with the project's label and no service is no stack: a
// probe does not call it running, and stop removes it.
func TestDockProbeHandMade(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	out, err := l.docker("run", "-d", "--name", "isard-orphan", "--label", "com.docker.compose.project=isard",
		"dock/busybox:1", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done")
	require.NoError(t, err, out)
	o := l.run("", "monitor")
	assert.Equal(t, 1, o.Code, o)
	assert.Contains(t, o.Reason, "isard-orphan (running)")
	o = l.run("", "stop", "OCF_RESKEY_CRM_meta_timeout=60000")
	require.Equal(t, 0, o.Code, o)
	assert.Empty(t, l.containers())
}
