package tape

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplayPasses(t *testing.T) {
	tp := recordSimple(t)
	assert.Equal(t, "relay 0, done\n", tp.Outcome.Stdout)
	v := replay(t, tp, simpleAgent)
	assert.True(t, v.Passed(), v.String())
	assert.Equal(t, "pass", v.String())
}

func TestTamperedTapesDiverge(t *testing.T) {
	tp := recordSimple(t)
	require.Len(t, tp.Exchanges, 4) // GET, PUT, echo, sleep
	ch := tp.Exchanges[0].Channel

	edit := func(change func(c *Tape)) *Tape {
		c := tp.clone()
		change(c)
		return c
	}
	asksRelay1 := func(p *sysio.Proc) int {
		cfg := stdinConfig(p)
		_, _ = p.HTTP.Do(context.Background(), sysio.HTTPRequest{Method: "GET", URL: cfg["url"] + "/api/relay/1", Timeout: 2 * time.Second})
		return 0
	}
	for name, c := range map[string]struct {
		tape  *Tape
		agent func(*sysio.Proc) int
		first string
	}{
		"altered answer changes the outcome": {
			tape:  edit(func(c *Tape) { c.Exchanges[1].Answer[2] = fld("body", "1") }),
			first: `outcome: tape has stdout "relay 0, done\n", agent wrote "relay 1, done\n"`,
		},
		"altered answer changes the questions": {
			tape:  edit(func(c *Tape) { c.Exchanges[0].Answer[2] = fld("body", "0") }),
			first: fmt.Sprintf("missing: exchange 2 (%s): tape has PUT /api/relay/0 body value=0, agent never asked", ch),
		},
		"tape lacks an exchange": {
			tape:  edit(func(c *Tape) { c.Exchanges = slices.Delete(c.Exchanges, 2, 3) }),
			first: "extra exchange (exec): the tape never used this channel, agent asked run echo done",
		},
		"tape has an exchange too many": {
			tape:  edit(func(c *Tape) { c.Exchanges = append(c.Exchanges, c.Exchanges[3]) }),
			first: "missing: exchange 5 (clock): tape has sleep 0.01s, agent never asked",
		},
		"agent asks for something new": {
			tape: tp, agent: asksRelay1,
			first: fmt.Sprintf("exchange 1 (%s): tape has GET /api/relay/0 timeout 2s, agent asked GET /api/relay/1 timeout 2s", ch),
		},
		"differing exit code": {
			tape:  edit(func(c *Tape) { c.Outcome.Code = 7 }),
			first: "outcome: tape has exit 7, agent exited 0",
		},
	} {
		t.Run(name, func(t *testing.T) {
			agent := c.agent
			if agent == nil {
				agent = simpleAgent
			}
			v := replay(t, c.tape, agent)
			require.False(t, v.Passed())
			assert.Equal(t, c.first, v.Divergences[0], strings.Join(v.Divergences, "\n"))
		})
	}
}

func TestDivergenceErrorReachesTheAgent(t *testing.T) {
	tp := recordSimple(t)
	tp.Exchanges = tp.Exchanges[2:] // no HTTP at all
	p, finish := Replay(tp)
	code := simpleAgent(p)
	v := finish(code)
	assert.Equal(t, 1, code, "the agent failed on the error it got")
	assert.Contains(t, v.Stderr, "ocf-exit-reason:relay: other: flock-tape replay: extra exchange (http ")
	assert.Equal(t, 1, v.Got.Code)
}

func TestVirtualTime(t *testing.T) {
	start := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	sleeper := func(p *sysio.Proc) int {
		t0 := p.Clock.Now()
		if err := p.Clock.Sleep(context.Background(), time.Hour); err != nil {
			return 1
		}
		fmt.Fprintln(p.Stdout, p.Clock.Now().Sub(t0))
		return 0
	}
	// Recorded over a fake clock: a real hour-long sleep would not do in a test either.
	tp, _ := record(t, sleeper, invocation{args: []string{"sleeper"}}, sysio.World{Clock: &fakeClock{now: start}})
	assert.Contains(t, tapeText(t, tp), "> sleep 3600s\n< ok\n< took 3600s\n")

	// Were replay to sleep for real, this test would hang for an hour.
	p, finish := Replay(reparse(t, tp))
	before := p.Clock.Now()
	assert.Equal(t, start, before, "virtual time starts at the tape's start")
	v := finish(sleeper(p))
	require.True(t, v.Passed(), v.String())
	assert.Equal(t, "1h0m0s\n", v.Got.Stdout)
	assert.Equal(t, time.Hour, p.Clock.Now().Sub(before))
}

// TestConcurrentChannels replays an agent that talks to four peers at once, two requests to each
// in flight together: any interleaving must replay, run after run.
func TestConcurrentChannels(t *testing.T) {
	var urls []string
	for i := range 4 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(5 * time.Millisecond) // so the two requests in flight overlap
			fmt.Fprintf(w, "peer %d %s", i, r.URL.Path)
		}))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	fanOut := func(p *sysio.Proc) int {
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			got []string
		)
		for _, u := range strings.Fields(stdinConfig(p)["urls"]) {
			for _, path := range []string{"/a", "/b"} {
				wg.Go(func() {
					resp, err := p.HTTP.Do(context.Background(), sysio.HTTPRequest{Method: "GET", URL: u + path})
					mu.Lock()
					defer mu.Unlock()
					got = append(got, fmt.Sprintf("%s %v", resp.Body, err))
				})
			}
		}
		wg.Wait()
		slices.Sort(got)
		fmt.Fprintln(p.Stdout, strings.Join(got, "\n"))
		return 0
	}
	tp, _ := record(t, fanOut, invocation{args: []string{"fanout"}, stdin: "urls=" + strings.Join(urls, " ") + "\n"}, netWorld())
	require.Len(t, tp.Exchanges, 8)
	assert.Contains(t, tp.Outcome.Stdout, "peer 3 /b <nil>")
	for range 20 {
		v := replay(t, tp, fanOut)
		require.True(t, v.Passed(), v.String())
	}
}

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "simple.tape")
	verdict := filepath.Join(dir, "verdict")
	srv := relayServer(t)
	stdin := "url=" + srv.URL + "\n"
	proc := func(env ...string) *sysio.Proc {
		return &sysio.Proc{Args: []string{"/usr/sbin/fence_simple"}, Env: append([]string{"LANG=C"}, env...),
			Stdin: strings.NewReader(stdin), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, World: netWorld()}
	}
	run := func(p *sysio.Proc) int {
		p, err := FromEnv(p)
		require.NoError(t, err)
		return p.Finish(simpleAgent(p))
	}

	plain := proc()
	w := plain.World
	got, err := FromEnv(plain)
	require.NoError(t, err)
	assert.Same(t, plain, got)
	assert.Equal(t, w, got.World, "without FLOCK_TAPE_* nothing changes")

	code := run(proc(EnvRecord + "=" + path))
	require.Equal(t, 0, code)
	srv.Close()

	code = run(proc(EnvReplay+"="+path, EnvVerdict+"="+verdict))
	assert.Equal(t, 0, code)
	v, err := LoadVerdict(verdict)
	require.NoError(t, err)
	assert.True(t, v.Passed(), v.String())

	tp, err := Load(path)
	require.NoError(t, err)
	tp.Outcome.Stdout = "relay 1, done\n"
	require.NoError(t, tp.Save(path))
	p := proc(EnvReplay+"="+path, EnvVerdict+"="+verdict)
	stderr := p.Stderr
	code = run(p)
	assert.Equal(t, ExitDiverged, code)
	v, err = LoadVerdict(verdict)
	require.NoError(t, err)
	assert.Equal(t, []string{`outcome: tape has stdout "relay 1, done\n", agent wrote "relay 0, done\n"`}, v.Divergences)
	assert.Contains(t, fmt.Sprint(stderr), "flock-tape: replay of "+path+" diverged: outcome: tape has stdout")

	// A replay run by hand with other arguments says so.
	p = proc(EnvReplay+"="+path, EnvVerdict+"="+verdict)
	p.Args = append(p.Args, "-o", "off")
	code = run(p)
	assert.Equal(t, ExitDiverged, code)
	v, err = LoadVerdict(verdict)
	require.NoError(t, err)
	assert.Equal(t, `invocation: tape has argv ["/usr/sbin/fence_simple"], process has ["/usr/sbin/fence_simple" "-o" "off"]`, v.Divergences[0])

	require.NoError(t, os.WriteFile(path, []byte("flock-tape 2\n"), 0o644))
	_, err = FromEnv(proc(EnvReplay + "=" + path))
	assert.ErrorContains(t, err, EnvReplay+": "+path+`: tape format version "2" is not supported`)
	_, err = FromEnv(proc(EnvVerdict + "=" + verdict))
	assert.ErrorContains(t, err, "need "+EnvReplay)
}

// handWritten is a tape as a person would write one: every error kind comes back as the error
// agents test for.
const handWritten = `flock-tape 1
agent writeboost
start 2025-06-01T10:00:00.000Z
argv writeboost start
env OCF_RESKEY_cache_dev=/dev/nvme0n1p1

exchange 1 +0.000s files
> stat /dev/nvme0n1p1
< mode Drw-rw----
< size 0
< dev 259:1

exchange 2 +0.001s files
> read /sys/module/dm_writeboost/version
< error permission "open /sys/module/dm_writeboost/version: permission denied"

exchange 3 +0.002s exec
> run modprobe dm-writeboost
< exit -1
< error not-found "exec: \"modprobe\": executable file not found in $PATH"

exchange 4 +0.002s http unix:/run/docker.sock
> GET http://docker/v1.43/info
> timeout 2s
< error timeout "context deadline exceeded"
< took 2s

exchange 5 +2.002s clock
> sleep 5s
< error deadline "context deadline exceeded"
< took 1s

outcome +3.002s
exit 1
reason "no dm-writeboost"
`

func TestHandWrittenTape(t *testing.T) {
	tp, err := Parse(strings.NewReader(handWritten))
	require.NoError(t, err)
	var saw []string
	agent := func(p *sysio.Proc) int {
		ctx := context.Background()
		t0 := p.Clock.Now()
		fi, err := p.Files.Stat(p.Getenv("OCF_RESKEY_cache_dev"))
		saw = append(saw, fmt.Sprintf("stat %v %d:%d %v", fi.IsBlockDevice(), fi.Major, fi.Minor, err))
		_, err = p.Files.ReadFile("/sys/module/dm_writeboost/version")
		saw = append(saw, fmt.Sprintf("read permission %v", errors.Is(err, fs.ErrPermission)))
		_, err = p.Exec.Run(ctx, sysio.Cmd{Argv: []string{"modprobe", "dm-writeboost"}})
		saw = append(saw, fmt.Sprintf("exec not found %v", errors.Is(err, exec.ErrNotFound)))
		_, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: "http://docker/v1.43/info", UnixSocket: "/run/docker.sock", Timeout: 2 * time.Second})
		saw = append(saw, fmt.Sprintf("http timeout %v", sysio.IsNet(err, sysio.NetTimeout)))
		err = p.Clock.Sleep(ctx, 5*time.Second)
		saw = append(saw, fmt.Sprintf("sleep cut %v after %v", err == context.DeadlineExceeded, p.Clock.Now().Sub(t0)))
		fmt.Fprintln(p.Stderr, "ocf-exit-reason:no dm-writeboost")
		return 1
	}
	p, finish := Replay(tp)
	v := finish(agent(p))
	assert.True(t, v.Passed(), v.String())
	assert.Equal(t, []string{"stat true 259:1 <nil>", "read permission true", "exec not found true", "http timeout true",
		"sleep cut true after 3.002s"}, saw)
}

// TestVirtualDeadline: a deadline on the tape's clock expires as served exchanges move virtual
// time past it, not before; one already past expires at once, and cancel is Canceled.
func TestVirtualDeadline(t *testing.T) {
	start := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	tp, err := Parse(strings.NewReader("flock-tape 1\nagent a\nstart 2025-06-01T10:00:00.000Z\nargv a\n\n" +
		"exchange 1 +0.000s clock\n> sleep 60s\n< ok\n< took 60s\n\noutcome +60.000s\nexit 0\n"))
	require.NoError(t, err)
	p, finish := Replay(tp)
	ctx, cancel := p.Clock.WithDeadline(context.Background(), start.Add(30*time.Second))
	defer cancel()
	past, cancelPast := p.Clock.WithDeadline(context.Background(), start)
	defer cancelPast()
	require.NoError(t, ctx.Err())
	assert.ErrorIs(t, past.Err(), context.DeadlineExceeded)
	require.NoError(t, p.Clock.Sleep(context.Background(), time.Minute))
	<-ctx.Done()
	assert.Equal(t, context.DeadlineExceeded, ctx.Err())
	later, cancelLater := p.Clock.WithDeadline(context.Background(), start.Add(time.Hour))
	cancelLater()
	assert.Equal(t, context.Canceled, later.Err())
	assert.True(t, finish(0).Passed())
}
