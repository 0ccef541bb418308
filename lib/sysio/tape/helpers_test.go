package tape

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
	"github.com/isard-vdi/flock-agents/lib/sysio/mqttio"
	"github.com/stretchr/testify/require"
)

// stdinConfig reads name=value lines, as fence agents do.
func stdinConfig(p *sysio.Proc) map[string]string {
	cfg := map[string]string{}
	sc := bufio.NewScanner(p.Stdin)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			cfg[k] = v
		}
	}
	return cfg
}

// simpleAgent switches a relay off if it is on, runs a program and sleeps: enough branches for
// tampered tapes and derived faults to show.
func simpleAgent(p *sysio.Proc) int {
	ctx := context.Background()
	base := stdinConfig(p)["url"]
	fail := func(format string, args ...any) int {
		fmt.Fprintf(p.Stderr, "ocf-exit-reason:"+format+"\n", args...)
		return 1
	}
	get := sysio.HTTPRequest{Method: "GET", URL: base + "/api/relay/0", Timeout: 2 * time.Second}
	resp, err := p.HTTP.Do(ctx, get)
	if err == nil && resp.Status == http.StatusServiceUnavailable {
		_ = p.Clock.Sleep(ctx, time.Second)
		resp, err = p.HTTP.Do(ctx, get)
	}
	if err != nil {
		_, _ = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: base + "/api/info"})
		return fail("relay: %v", err)
	}
	if resp.Status != http.StatusOK {
		return fail("relay answered %d", resp.Status)
	}
	if string(resp.Body) == "1" {
		resp, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "PUT", URL: base + "/api/relay/0", Body: []byte("value=0")})
		if err != nil {
			return fail("switching off: %v", err)
		}
	}
	res, err := p.Exec.Run(ctx, sysio.Cmd{Argv: []string{"echo", "done"}})
	if err != nil {
		return fail("echo: %v", err)
	}
	_ = p.Clock.Sleep(ctx, 10*time.Millisecond)
	fmt.Fprintf(p.Stdout, "relay %s, %s", resp.Body, res.Stdout)
	return 0
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
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, relay)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type invocation struct {
	args  []string
	env   []string
	stdin string
}

// record runs agent on the world w, recording; it returns the tape and what the agent wrote on
// stderr.
func record(t *testing.T, agent func(*sysio.Proc) int, inv invocation, w sysio.World) (*Tape, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	p := &sysio.Proc{Args: inv.args, Env: inv.env, Stdin: strings.NewReader(inv.stdin), Stdout: &stdout, Stderr: &stderr, World: w}
	var got *Tape
	Record(p, func(tp *Tape) error { got = tp; return nil })
	p.Finish(agent(p))
	require.NotNil(t, got)
	return got, stderr.String()
}

// recordSimple records simpleAgent against a fresh relay server, which it then closes.
func recordSimple(t *testing.T) *Tape {
	srv := relayServer(t)
	tp, _ := record(t, simpleAgent, invocation{args: []string{"/usr/sbin/fence_simple"}, stdin: "url=" + srv.URL + "\n"}, netWorld())
	srv.Close()
	require.Equal(t, 0, tp.Outcome.Code, tp.Outcome.Reason)
	return tp
}

// replay replays tp, through its text so the printed tape is what replays.
func replay(t *testing.T, tp *Tape, agent func(*sysio.Proc) int) Verdict {
	t.Helper()
	p, finish := Replay(reparse(t, tp))
	return finish(agent(p))
}

func reparse(t *testing.T, tp *Tape) *Tape {
	t.Helper()
	text := tapeText(t, tp)
	back, err := Parse(strings.NewReader(text))
	require.NoError(t, err, text)
	return back
}

func tapeText(t *testing.T, tp *Tape) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, tp.Write(&b))
	return b.String()
}

// fakeClock advances only when slept on, so tests can record hour-long sleeps at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// closedAddr is a loopback address nothing listens on.
// WithDeadline never expires on the fake clock: tests of expiry replay a tape.
func (c *fakeClock) WithDeadline(parent context.Context, _ time.Time) (context.Context, context.CancelFunc) {
	return context.WithCancel(parent)
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// startMosquitto runs a real broker on a free loopback port, or returns "" when there is none.
// stop ends it early, to prove a replay needs no broker.
func startMosquitto(t *testing.T) (broker string, stop func()) {
	const bin = "/usr/sbin/mosquitto"
	if _, err := os.Stat(bin); err != nil {
		return "", func() {}
	}
	addr := closedAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	require.NoError(t, os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o644))
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "tcp://" + addr, stop
		}
		if time.Now().After(deadline) {
			stop() // its output is ours to read only once it has exited
			t.Fatalf("mosquitto did not start: %s", logs.String())
		}
	}
}

// netWorld is the real world with the network kinds an agent sets when it speaks them.
func netWorld() sysio.World {
	w := sysio.Real()
	w.HTTP, w.MQTT = httpio.New(), mqttio.New()
	return w
}
