package tape

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func kindOf(err error) string {
	var ne *sysio.NetError
	if errors.As(err, &ne) {
		return string(ne.Kind)
	}
	return fmt.Sprint(err)
}

// liveAgent touches every part of the world and writes what it saw to stdout, so a replay that
// hands back anything else shows in the outcome. Its secrets travel as a real agent's would: in
// a query, a header, Basic auth, a form body, a URL path, an MQTT password.
func liveAgent(p *sysio.Proc) int {
	ctx := context.Background()
	cfg := stdinConfig(p)
	var out strings.Builder
	say := func(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }
	fail := func(format string, args ...any) int {
		fmt.Fprint(p.Stdout, out.String())
		fmt.Fprintf(p.Stderr, "ocf-exit-reason:"+format+"\n", args...)
		return 1
	}

	key, pw := cfg["apikey"], p.Getenv("OCF_RESKEY_password")
	resp, err := p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: cfg["url"] + "/status?apikey=" + url.QueryEscape(key),
		Header: map[string]string{"Api-Key": key}, Timeout: 2 * time.Second})
	if err != nil {
		return fail("status: %v", err)
	}
	say("status %d %s %s", resp.Status, resp.Header["Content-Type"], resp.Body)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+pw))
	resp, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "POST", URL: cfg["url"] + "/relay",
		Header: map[string]string{"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"},
		Body:   []byte("password=" + url.QueryEscape(pw) + "&value=0")})
	if err != nil {
		return fail("relay: %v", err)
	}
	say("relay %d %s", resp.Status, resp.Body)
	_, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: "http://" + cfg["closed"] + "/"})
	say("closed port: %s", kindOf(err))

	res, err := p.Exec.Run(ctx, sysio.Cmd{Argv: []string{"sh", "-c", "echo $GREETING; echo warn >&2; exit 3"}, Env: []string{"GREETING=hello"}})
	say("exec %q %q %d %v", res.Stdout, res.Stderr, res.ExitCode, err)
	res, err = p.Exec.Run(ctx, sysio.Cmd{Argv: []string{cfg["pwscript"]}, SecretOutput: true})
	if err != nil {
		return fail("password script: %v", err)
	}
	token := strings.TrimSpace(string(res.Stdout))
	resp, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: cfg["url"] + "/auth/" + token})
	say("auth %d %v", resp.Status, err)
	_, err = p.Exec.Run(ctx, sysio.Cmd{Argv: []string{"/nonexistent/prog"}})
	say("missing program: %v", errors.Is(err, fs.ErrNotExist))

	file := cfg["file"]
	data, err := p.Files.ReadFile(file)
	say("file %q %v", data, err)
	say("write %v", p.Files.WriteFile(file+".out", []byte("written\n"), 0o600))
	fi, err := p.Files.Stat(file)
	say("stat %v %d %v", fi.Mode, fi.Size, err)
	names, err := p.Files.ReadDir(filepath.Dir(file))
	say("dir %v %v", names, err)
	at, err := p.Files.ReadAt(file, 2, 3)
	say("at %q %v", at, err)
	// Not a block device: refused after the open, recorded as an error.
	say("write-block %v", p.Files.WriteBlock(sysio.BlockWrite{Path: file, Data: make([]byte, sysio.DirectAlign)}) != nil)
	_, err = p.Files.ReadFile(file + ".missing")
	say("missing file: %v", errors.Is(err, fs.ErrNotExist))

	t0 := p.Clock.Now()
	say("sleep %v", p.Clock.Sleep(ctx, 20*time.Millisecond))
	say("slept at least 20ms: %v", p.Clock.Now().Sub(t0) >= 20*time.Millisecond)

	if broker := cfg["broker"]; broker != "" {
		// A client id that differs on every run, as pids make them.
		c, err := p.MQTT.Connect(ctx, sysio.MQTTOptions{Broker: broker, ClientID: fmt.Sprintf("tape-test-%d", time.Now().UnixNano()),
			Username: "u", Password: cfg["mqttpw"], Timeout: 2 * time.Second})
		if err != nil {
			return fail("mqtt: %v", err)
		}
		say("subscribe %v", c.Subscribe(ctx, "flock/test/#"))
		say("publish %v", c.Publish(ctx, sysio.MQTTMessage{Topic: "flock/test/a", Payload: []byte("hello"), QoS: 1}))
		m, ok, err := c.Receive(ctx, 2*time.Second)
		say("receive %s %q %d %v %v", m.Topic, m.Payload, m.QoS, ok, err)
		_, ok, err = c.Receive(ctx, 50*time.Millisecond)
		say("receive again %v %v", ok, err)
		c.Close()
		_, err = p.MQTT.Connect(ctx, sysio.MQTTOptions{Broker: "tcp://" + cfg["closed"], ClientID: "x", Timeout: time.Second})
		say("closed broker: %s", kindOf(err))
	}
	fmt.Fprint(p.Stdout, out.String())
	return 0
}

func TestRecordAndReplayLive(t *testing.T) {
	const (
		apikey   = "k3y-abc123"
		password = "pa55word!"
		scripted = "s3cr3t-from-script"
		mqttpw   = "mqtt-pw-xyz"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", fmt.Sprint(time.Now().UnixNano())) // varies: must not be kept
		switch {
		case r.URL.Path == "/status" && r.URL.Query().Get("apikey") == apikey && r.Header.Get("Api-Key") == apikey:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"relay/0":1}`)
		case r.URL.Path == "/relay":
			_ = r.ParseForm()
			u, p, _ := r.BasicAuth()
			fmt.Fprintf(w, "ok %s %v", u, p == password && r.PostForm.Get("password") == password)
		case r.URL.Path == "/auth/"+scripted:
			fmt.Fprint(w, "welcome")
		default:
			http.Error(w, "no", http.StatusForbidden)
		}
	}))
	dir := t.TempDir()
	file := filepath.Join(dir, "data.txt")
	require.NoError(t, os.WriteFile(file, []byte("hello file\n"), 0o644))
	script := filepath.Join(dir, "pw.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho "+scripted+"\n"), 0o755))
	broker, stopBroker := startMosquitto(t)
	if broker == "" {
		t.Log("no /usr/sbin/mosquitto: MQTT is not recorded live")
	}

	inv := invocation{
		args: []string{"/usr/lib/ocf/resource.d/flock/liveagent", "monitor"},
		env: []string{"OCF_RESKEY_password=" + password, "OCF_RESKEY_passwd=ab", "LANG=C", "HOME=/root",
			"OCF_RESOURCE_INSTANCE=live"},
		stdin: fmt.Sprintf("url=%s\napikey=%s\nfile=%s\npwscript=%s\nbroker=%s\nmqttpw=%s\nclosed=%s\n",
			srv.URL, apikey, file, script, broker, mqttpw, closedAddr(t)),
	}
	tp, stderr := record(t, liveAgent, inv, netWorld())
	require.Equal(t, 0, tp.Outcome.Code, "reason %q, stdout:\n%s", tp.Outcome.Reason, tp.Outcome.Stdout)
	text := tapeText(t, tp)
	t.Log(text)

	// What the agent saw against the real peers.
	for _, s := range []string{`status 200 application/json {"relay/0":1}`, "relay 200 ok admin true", "auth 200 <nil>",
		`exec "hello\n" "warn\n" 3 <nil>`, "missing program: true", `file "hello file\n" <nil>`, "missing file: true",
		"stat -rw-r--r-- 11 <nil>", "slept at least 20ms: true"} {
		assert.Contains(t, tp.Outcome.Stdout, s)
	}
	if broker != "" {
		assert.Contains(t, tp.Outcome.Stdout, `receive flock/test/a "hello" 1 true <nil>`)
		assert.Contains(t, tp.Outcome.Stdout, "receive again false <nil>")
		assert.Contains(t, text, "> receive 0.05s\n< nothing\n")
	}

	// Secrets are gone in every form they travelled in; a too-short one is reported.
	for _, secret := range []string{apikey, password, url.QueryEscape(password), scripted, mqttpw,
		base64.StdEncoding.EncodeToString([]byte("admin:" + password))} {
		assert.NotContains(t, text, secret)
	}
	assert.Contains(t, stderr, "flock-tape: warning: the secret from variable OCF_RESKEY_passwd is shorter than 4 characters")
	assert.Contains(t, text, "env OCF_RESKEY_password=<redacted>\n")
	assert.NotContains(t, text, "HOME=", "only the environment that matters is kept")
	assert.NotContains(t, text, "X-Request-Id", "unstable response headers are dropped")
	assert.NotContains(t, text, "Date")
	assert.Contains(t, text, "< header Content-Type application/json\n")

	// With every peer gone, the replay produces the same outcome.
	srv.Close()
	stopBroker()
	require.NoError(t, os.RemoveAll(dir))
	v := replay(t, tp, liveAgent)
	require.True(t, v.Passed(), "%s\nstderr: %s", strings.Join(v.Divergences, "\n"), v.Stderr)
	assert.Equal(t, tp.Outcome.Stdout, v.Got.Stdout)
}

func TestRecordFromEnvToDirectory(t *testing.T) {
	srv := relayServer(t)
	dir := t.TempDir() + "/"
	p := &sysio.Proc{Args: []string{"/usr/sbin/fence_simple"}, Env: []string{EnvRecord + "=" + dir},
		Stdin: strings.NewReader("url=" + srv.URL + "\n"), World: netWorld()}
	p, err := FromEnv(p)
	require.NoError(t, err)
	assert.Empty(t, p.Env, "the agent does not see FLOCK_TAPE_*")
	require.Equal(t, 0, p.Finish(simpleAgent(p)))
	tapes, err := filepath.Glob(dir + "fence_simple-*.tape")
	require.NoError(t, err)
	require.Len(t, tapes, 1)
	tp, err := Load(tapes[0])
	require.NoError(t, err)
	assert.Equal(t, "relay 0, done\n", tp.Outcome.Stdout)
}
