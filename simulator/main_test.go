package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binDir holds flock-testagent, a tiny agent built from lib/sysio/tape/testdata/agent.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flock-sim-test-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "flock-testagent"),
		"github.com/isard-vdi/flock-agents/lib/sysio/tape/testdata/agent")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test agent: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sim runs flock-sim with args and returns its exit code, stdout and stderr.
func sim(stdin string, args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := run(append([]string{"flock-sim"}, args...), strings.NewReader(stdin), &out, &errs)
	return code, out.String(), errs.String()
}

// relayServer is a plug with one relay, on at first.
func relayServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	relay := "1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "PUT" {
			body, _ := io.ReadAll(r.Body)
			relay = strings.TrimPrefix(string(body), "value=")
		}
		fmt.Fprint(w, relay)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// recordTape records flock-testagent against a relay server, then closes the server.
func recordTape(t *testing.T) string {
	srv := relayServer(t)
	path := filepath.Join(t.TempDir(), "on.tape")
	code, out, errs := sim("url="+srv.URL+"\napikey=k3y-for-tests\n", "record", "-o", path, "--", filepath.Join(binDir, "flock-testagent"))
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "relay 0, done\nrecorded "+path+": 4 exchanges; exit 0\n", out)
	srv.Close()
	return path
}

func TestRecordReplayShow(t *testing.T) {
	path := recordTape(t)
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(text), "k3y-for-tests")

	code, out, errs := sim("", "replay", "--bin", binDir, path)
	assert.Equal(t, 0, code, errs)
	assert.Equal(t, "PASS "+path+"\n1 passed, 0 failed\n", out)

	code, out, _ = sim("", "show", path)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "agent flock-testagent")
	assert.Regexp(t, `(?m)^   1    \+0\.\d{3}s  http 127\.0\.0\.1:\d+  GET /api/relay/0\?apikey=<redacted> timeout 2s → status 200 `, out)
	assert.Regexp(t, `(?m)^   3    \+0\.\d{3}s  exec  +run echo done → exit 0 stdout "done\\n"`, out)
	assert.Contains(t, out, `outcome: exit 0, stdout "relay 0, done\n"`)
}

func TestReplayCorpus(t *testing.T) {
	code, out, errs := sim("", "replay", "--bin", binDir, "tapes/testdata/flock-testagent")
	assert.Equal(t, 0, code, errs)
	assert.Equal(t, "PASS tapes/testdata/flock-testagent/relay-busy.tape\nPASS tapes/testdata/flock-testagent/status-on.tape\n2 passed, 0 failed\n", out)
}

func TestReplayFailures(t *testing.T) {
	path := recordTape(t)
	dir := filepath.Dir(path)
	tp, err := tape.Load(path)
	require.NoError(t, err)
	tp.Exchanges[1].Answer[len(tp.Exchanges[1].Answer)-1] = tape.Field{Key: "body", Args: []string{"1"}}
	require.NoError(t, tp.Save(filepath.Join(dir, "tampered.tape")))
	tp.Agent, tp.Args = "no-such-agent", []string{"no-such-agent"}
	require.NoError(t, tp.Save(filepath.Join(dir, "unknown.tape")))
	// An agent that never calls tape.FromEnv leaves no verdict.
	tp.Agent, tp.Args = "true", []string{"true"}
	require.NoError(t, tp.Save(filepath.Join(dir, "untaped.tape")))

	code, out, _ := sim("", "replay", "--bin", binDir, dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, strings.Join([]string{
		"PASS " + path,
		"FAIL " + dir + `/tampered.tape: outcome: tape has stdout "relay 0, done\n", agent wrote "relay 1, done\n"`,
		"FAIL " + dir + `/unknown.tape: agent "no-such-agent" not found in --bin, PATH, /usr/sbin or /usr/lib/ocf/resource.d/flock`,
		"FAIL " + dir + "/untaped.tape: ",
	}, "\n"), out[:strings.Index(out, "/untaped.tape: ")+len("/untaped.tape: ")])
	assert.Regexp(t, `untaped.tape: /\S+/true exited 0 without a verdict \(does it call tape.FromEnv and Finish\?\)\n1 passed, 3 failed\n$`, out)
}

func TestMutate(t *testing.T) {
	path := recordTape(t)
	out := filepath.Join(filepath.Dir(path), "busy.tape")
	// The tape first and the flags after, as people write it.
	code, stdout, errs := sim("", "mutate", path, "--exchange", "1", "--status", "503", "-o", out, "--bin", binDir)
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "wrote "+out+`: exchange 1 answers status 503; 1 exchanges; exit 1, exit reason "relay answered 503"`+"\n", stdout)
	d, err := tape.Load(out)
	require.NoError(t, err)
	assert.Equal(t, []string{"derived from on.tape: exchange 1 answers status 503"}, d.Notes)
	code, stdout, _ = sim("", "replay", "--bin", binDir, out)
	assert.Equal(t, 0, code, stdout)

	// A timeout sends the agent to a page the recording never visited.
	code, _, errs = sim("", "mutate", path, "--exchange", "1", "--error", "timeout", "-o", out, "--bin", binDir)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^flock-sim: mutate: on http 127\.0\.0\.1:\d+ the agent now asks for something the tape never saw; `+
		`record this fault against the emulator instead: agent asked GET /api/info\n$`, errs)

	code, _, errs = sim("", "mutate", path, "--exchange", "3", "--status", "500", "-o", out, "--bin", binDir)
	assert.Equal(t, 1, code)
	assert.Equal(t, "flock-sim: exchange 3 (exec run): only an HTTP exchange has a status\n", errs)
}

// TestFindAgentBuildNames: a tape recorded on a node names the installed OCF agent (writeboost),
// which the Makefile builds as bin/ocf-writeboost.
func TestFindAgentBuildNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"ocf-writeboost", "ocf-flock-nfs", "ocf-notexec"} {
		mode := os.FileMode(0o755)
		if n == "ocf-notexec" {
			mode = 0o644
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), mode))
	}
	for name, want := range map[string]string{"writeboost": "ocf-writeboost", "nfs": "ocf-flock-nfs"} {
		got, err := findAgent(name, dir)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, want), got)
	}
	_, err := findAgent("notexec", dir)
	assert.Error(t, err)
}

func TestRecordNeedsAnAgent(t *testing.T) {
	code, _, errs := sim("", "record", "-o", filepath.Join(t.TempDir(), "x.tape"))
	assert.Equal(t, 1, code)
	assert.Equal(t, "flock-sim: record: give the agent to run after --\n", errs)
	code, _, errs = sim("", "record", "-o", filepath.Join(t.TempDir(), "x.tape"), "--", "true")
	assert.Equal(t, 1, code)
	assert.Equal(t, "flock-sim: true wrote no tape (does it call tape.FromEnv and Finish?)\n", errs)
}

func TestInterspersed(t *testing.T) {
	app := newApp(nil, io.Discard, io.Discard)
	for _, c := range []struct{ in, want string }{
		{"mutate a.tape --exchange 3 --body=x -o b.tape", "mutate --exchange 3 --body=x -o b.tape a.tape"},
		{"record -o x.tape -- agent -o status", "record -o x.tape -- agent -o status"},
		{"replay a.tape --bin dir b.tape", "replay --bin dir a.tape b.tape"},
		{"nosuch a --b", "nosuch a --b"},
	} {
		got := interspersed(app, append([]string{"flock-sim"}, strings.Fields(c.in)...))
		assert.Equal(t, "flock-sim "+c.want, strings.Join(got, " "))
	}
}
