package ocf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// inProc builds a Proc for an in-process Run with pacemakerEnv plus env.
func inProc(args []string, env ...string) (*sysio.Proc, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	p := &sysio.Proc{Args: append([]string{"/usr/lib/ocf/resource.d/flock/example"}, args...),
		Env: append(append([]string{}, pacemakerEnv...), env...), Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &errb, World: sysio.Real()}
	return p, &out, &errb
}

func TestOneLine(t *testing.T) {
	long := strings.Repeat("x", 200)
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"two\nlines\r\n\tand  tabs ", "two lines and tabs"},
		{"nul\x00byte", "nul byte"},
		{"bad \xff utf8", "bad ? utf8"},
		{long, long[:125] + "…"},
		{strings.Repeat("é", 100), strings.Repeat("é", 62) + "…"}, // 124 bytes + 3: cut on a rune
	} {
		got := oneLine(c.in)
		assert.Equal(t, c.want, got)
		assert.LessOrEqual(t, len(got), maxReason)
	}
}

func TestBudget(t *testing.T) {
	for _, c := range []struct{ timeout, work time.Duration }{
		{20 * time.Second, 18 * time.Second},   // 2s floor
		{300 * time.Second, 270 * time.Second}, // 10%
		{3 * time.Second, 1500 * time.Millisecond},
		{time.Second, 500 * time.Millisecond}, // never more than half
	} {
		work, margin := budget(c.timeout)
		assert.Equal(t, c.work, work, "timeout %s", c.timeout)
		assert.Equal(t, c.timeout, work+margin)
	}
}

func TestCodeOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		code   Code
		reason string
	}{
		{nil, Success, ""},
		{NotRunning, NotRunning, ""},
		{Degraded, Degraded, ""},
		{Exit(ErrConfigured, "cache_dev %s is not a block device", "/dev/x"), ErrConfigured, "cache_dev /dev/x is not a block device"},
		{fmt.Errorf("starting: %w", Exit(ErrInstalled, "dmsetup missing")), ErrInstalled, "starting: dmsetup missing"},
		{fmt.Errorf("probe: %w", NotRunning), NotRunning, "probe: not running"},
		{errors.New("boom"), ErrGeneric, "boom"},
	} {
		code, reason := codeOf(c.err)
		assert.Equal(t, c.code, code, "%v", c.err)
		assert.Equal(t, c.reason, reason, "%v", c.err)
	}
}

func TestReadEnv(t *testing.T) {
	p, _, _ := inProc(nil, "OCF_RESKEY_OCF_CHECK_LEVEL=20", "OCF_RESKEY_state=a", "OCF_RESKEY_state=b",
		"OCF_RESKEY_trace_ra=0", "OCF_RESKEY_CRM_meta_on_node=n1", "OCF_RESKEY_CRM_meta_timeout=")
	inv := readEnv(example, p, "monitor")
	assert.Equal(t, 20, inv.depth, "OCF_RESKEY_OCF_CHECK_LEVEL counts when OCF_CHECK_LEVEL is absent")
	assert.True(t, inv.probe, "no interval is a probe")
	assert.Equal(t, 40*time.Second, inv.timeout, "the depth-10 monitor's advertised timeout")
	assert.Equal(t, map[string]string{"state": "b"}, inv.raw, "last assignment wins; Pacemaker's and pcs's names are not parameters")
	assert.Equal(t, map[string]string{"trace_ra": "0"}, inv.trace)

	p, _, _ = inProc(nil, "OCF_CHECK_LEVEL=10", "OCF_RESKEY_OCF_CHECK_LEVEL=20", "OCF_RESKEY_CRM_meta_interval=soon", "OCF_RESKEY_CRM_meta_timeout=-5")
	inv = readEnv(example, p, "start")
	assert.Equal(t, 10, inv.depth)
	assert.False(t, inv.probe, "only monitors are probes")
	assert.Equal(t, 30*time.Second, inv.timeout, "start's advertised timeout")
	assert.Len(t, inv.warnings, 2)

	p, _, _ = inProc([]string{"monitor"}, "OCF_RESKEY_CRM_meta_interval=10000")
	inv = readEnv(example, p, "monitor")
	assert.False(t, inv.probe)
	assert.Equal(t, 10*time.Second, inv.interval)
	assert.Equal(t, 20*time.Second, inv.timeout, "CRM_meta_timeout=20000")
}

func TestRequestHelpers(t *testing.T) {
	var got *Request
	a := *example
	a.Actions.Start = func(r *Request) error { got = r; return nil }
	p, _, _ := inProc([]string{"start"}, "OCF_RESKEY_state=/s", "OCF_RESKEY_CRM_meta_target_role=Started", "OCF_RESKEY_CRM_meta_timeout=100000")
	require.Equal(t, 0, Run(&a, p))
	assert.Equal(t, "Started", got.Meta("target-role"))
	assert.Equal(t, "t1", got.Instance)
	assert.Equal(t, 100*time.Second, got.Timeout)
	assert.LessOrEqual(t, got.Remaining(), 90*time.Second)
	dl, ok := got.Ctx.Deadline()
	require.True(t, ok)
	assert.WithinDuration(t, got.Deadline(), dl, time.Minute) // the same deadline on two clocks
}

// TestFlightRecorder: debug lines reach the log file only when the action fails, or at once
// with HA_debug; stderr then carries nothing but the exit reason.
func TestFlightRecorder(t *testing.T) {
	dir := t.TempDir()
	state := "OCF_RESKEY_state=" + filepath.Join(dir, "s")
	logfile := filepath.Join(dir, "ha.log")
	read := func() string { b, _ := os.ReadFile(logfile); os.Remove(logfile); return string(b) }

	p, _, errb := inProc([]string{"start"}, state, "HA_LOGFILE="+logfile)
	require.Equal(t, 0, Run(example, p))
	assert.NotContains(t, read(), "DEBUG")
	assert.Empty(t, errb.String())

	p, _, errb = inProc([]string{"start"}, state, "HA_LOGFILE="+logfile, "OCF_RESKEY_mode=fail")
	require.Equal(t, 1, Run(example, p))
	log := read()
	assert.Contains(t, log, "example(t1)[")
	assert.Contains(t, log, "ERROR: start failed with password")
	assert.Contains(t, log, "flight recorder (start returned 1 (error))")
	assert.Contains(t, log, `DEBUG: start: instance "t1"`)
	assert.Equal(t, "ocf-exit-reason:start failed with password\n", errb.String())

	p, _, _ = inProc([]string{"monitor"}, state, "HA_LOGFILE="+logfile, "HA_debug=1")
	require.Equal(t, 0, Run(example, p))
	log = read()
	assert.Contains(t, log, "DEBUG: monitor returned 0 (ok)")
	assert.NotContains(t, log, "flight recorder")
}

// TestTrace: a trace gets the invocation, the environment (secrets scrubbed) and every debug
// line, and only the trace does.
func TestTrace(t *testing.T) {
	dir := t.TempDir()
	state := "OCF_RESKEY_state=" + filepath.Join(dir, "s")
	logfile := filepath.Join(dir, "ha.log")
	trace := filepath.Join(dir, "trace")

	p, _, _ := inProc([]string{"start"}, state, "HA_LOGFILE="+logfile, "OCF_TRACE_RA=1", "OCF_TRACE_FILE="+trace, "OCF_RESKEY_password=topsecret")
	require.Equal(t, 0, Run(example, p))
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	assert.Contains(t, string(b), "trace of /usr/lib/ocf/resource.d/flock/example start")
	assert.Contains(t, string(b), "env OCF_RESKEY_password=<redacted>")
	assert.Contains(t, string(b), "DEBUG: start returned 0 (ok)")
	assert.NotContains(t, string(b), "topsecret")
	log, _ := os.ReadFile(logfile)
	assert.NotContains(t, string(log), "DEBUG", "tracing must not flood the log")

	// Default destination, from pcs's trace_ra parameter.
	p, _, _ = inProc([]string{"monitor"}, "OCF_RESKEY_state="+filepath.Join(dir, "other"), "OCF_RESKEY_trace_ra=1", "HA_VARLIB="+dir, "OCF_RESOURCE_TYPE=example")
	require.Equal(t, 7, Run(example, p))
	files, err := filepath.Glob(filepath.Join(dir, "trace_ra", "example", "t1.monitor.*"))
	require.NoError(t, err)
	assert.Len(t, files, 1)

	// An unwritable destination costs the trace, not the action, and keeps the recorder.
	p, _, errb := inProc([]string{"start"}, state, "OCF_TRACE_RA=yes", "OCF_TRACE_FILE=/proc/nonexistent/trace", "OCF_RESKEY_mode=fail")
	require.Equal(t, 1, Run(example, p))
	assert.Contains(t, errb.String(), "trace not going to happen")
	assert.Contains(t, errb.String(), "flight recorder")
}

func TestDeclarationErrors(t *testing.T) {
	ok := func(*Request) error { return nil }
	good := func() Agent {
		return Agent{Name: "x", Short: "x", Actions: Actions{Start: ok, Stop: ok, Monitor: ok},
			Params: []param.Param{{Name: "p", Short: "p"}}}
	}
	for _, c := range []struct {
		name   string
		break_ func(*Agent)
		want   string
	}{
		{"no monitor", func(a *Agent) { a.Actions.Monitor = nil }, "needs Start, Stop and Monitor"},
		{"promote alone", func(a *Agent) { a.Actions.Promote = ok }, "Promote and Demote go together"},
		{"no parameters", func(a *Agent) { a.Params = nil }, "at least one parameter"},
		{"hyphen", func(a *Agent) { a.Params[0].Name = "cache-dev" }, "environment variable"},
		{"leading digit", func(a *Agent) { a.Params[0].Name = "0dev" }, "environment variable"},
		{"empty name", func(a *Agent) { a.Params[0].Name = "" }, "environment variable"},
		{"reserved", func(a *Agent) { a.Params[0].Name = "trace_ra" }, "reserved"},
		{"twice", func(a *Agent) { a.Params = append(a.Params, a.Params[0]) }, "declared twice"},
		{"select without choices", func(a *Agent) { a.Params[0].Kind = param.Select }, "without choices"},
		{"reloadable without reload", func(a *Agent) { a.Params[0].Reloadable = true }, "no Reload handler"},
		{"bad default", func(a *Agent) { a.Params[0].Kind, a.Params[0].Default = param.Integer, "ten" }, "default"},
		{"monitor without interval", func(a *Agent) { a.Monitors = []Monitor{{Depth: 10}} }, "positive interval"},
	} {
		a := good()
		require.NoError(t, a.check())
		c.break_(&a)
		err := a.check()
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
	}

	broken := good()
	broken.Actions.Stop = nil
	p, out, errb := inProc([]string{"meta-data"})
	assert.Equal(t, 1, Run(&broken, p))
	assert.Empty(t, out.String())
	assert.Contains(t, errb.String(), "ocf-exit-reason:agent declaration:")
}
