package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/mqttio"
	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

const testKey = "0123456789ABCDEF"

type result struct {
	code           int
	stdout, stderr string
}

// run executes the agent in-process exactly as the binary would, stdin lines as Pacemaker sends.
func run(t *testing.T, env []string, lines ...string) result {
	t.Helper()
	return runProc(t, []string{"fence_espurna"}, env, strings.Join(lines, "\n")+"\n")
}

// runArgv executes the agent in-process with a command line, as the binary would.
func runArgv(t *testing.T, args ...string) result {
	t.Helper()
	return runProc(t, append([]string{"fence_espurna"}, args...), nil, "")
}

// runProc runs the agent and, for every run of every test, checks that neither the test key
// nor a URL's user-info reached stdout or stderr (where the flight recorder's dump goes too;
// syslog gets the same scrubbed lines).
func runProc(t *testing.T, argv, env []string, stdin string) result {
	t.Helper()
	var out, errb bytes.Buffer
	p := &sysio.Proc{Args: argv, Env: env, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, World: realWorld()}
	code := p.Finish(fence.Run(agent, p))
	r := result{code, out.String(), errb.String()}
	require.NotContains(t, r.stdout+r.stderr, testKey, "the API key leaked: %v", r)
	require.NotContains(t, r.stdout+r.stderr, "fence:", "URL user-info leaked: %v", r)
	return r
}

// httpPlug serves one emulated plug on its own loopback address and returns its address.
func httpPlug(t *testing.T, cfg plug.Config) (*plug.Plug, string, string) {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	p := plug.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go p.Serve(ln)
	t.Cleanup(p.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return p, "127.0.0.1", port
}

// broker starts a real mosquitto for the test.
func broker(t *testing.T, o mosquitto.Options) *mosquitto.Broker {
	t.Helper()
	if !mosquitto.Available() {
		t.Skip("mosquitto is not installed (make deps)")
	}
	b, err := mosquitto.Start(o)
	require.NoError(t, err)
	t.Cleanup(b.Stop)
	return b
}

// mqttPlug starts an emulated plug connected to the broker and waits until it announced itself.
func mqttPlug(t *testing.T, b *mosquitto.Broker, cfg plug.Config) *plug.Plug {
	t.Helper()
	if cfg.MQTT == nil {
		cfg.MQTT = &plug.MQTTConfig{}
	}
	cfg.MQTT.Broker = b.URL
	p := plug.New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The plug publishes its status and relays at connect without waiting for the broker (in
	// JSON mode as one batch, after a delay): a test that mutes the plug next, then runs the
	// agent, would have them arrive as live reports. An observer subscribed first sees each
	// one once the broker has passed it on.
	root := cfg.Name
	if cfg.MQTT.Root != "" {
		root = strings.TrimSuffix(cfg.MQTT.Root, "/")
	}
	obs, err := mqttio.New().Connect(ctx, sysio.MQTTOptions{Broker: b.URL, ClientID: "observer-" + cfg.Name,
		Username: cfg.MQTT.Username, Password: cfg.MQTT.Password, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer obs.Close()
	require.NoError(t, obs.Subscribe(ctx, root+"/#"))
	require.NoError(t, p.StartMQTT(ctx))
	t.Cleanup(p.Close)
	want := map[string]bool{root + "/status": true}
	if cfg.MQTT.JSON {
		want[root+"/data"] = true
	} else {
		for id := 0; id < max(cfg.Relays, 1); id++ {
			want[fmt.Sprintf("%s/relay/%d", root, id)] = true
		}
	}
	for len(want) > 0 {
		m, ok, err := obs.Receive(ctx, 5*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "plug %s: the broker never passed on %v", cfg.Name, want)
		delete(want, m.Topic)
	}
	return p
}

func expectOff(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "Success: Powered OFF")
}

// expectFailed asserts the one thing a fence agent must never get wrong: no success reported.
func expectFailed(t *testing.T, r result, why string) {
	t.Helper()
	require.Equal(t, 1, r.code, "stdout: %s stderr: %s", r.stdout, r.stderr)
	require.NotContains(t, r.stdout, "Success")
	require.Contains(t, r.stderr, why)
	require.NotContains(t, r.stderr+r.stdout, testKey, "the API key leaked")
}

func kv(k string, v any) string { return fmt.Sprintf("%s=%v", k, v) }

// realWorld is this machine's, with the network clients the agent declares.
func realWorld() sysio.World {
	w := sysio.Real()
	w.HTTP, w.MQTT = agent.HTTP(), agent.MQTT()
	return w
}
