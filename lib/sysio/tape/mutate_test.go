package tape

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// derive runs agent against a mutated tape as flock-sim mutate has a binary do it: a lenient
// replay, itself recorded.
func derive(t *testing.T, tp *Tape, agent func(*sysio.Proc) int) (*Tape, Verdict) {
	t.Helper()
	p := &sysio.Proc{Args: tp.Args, Env: tp.Env, Stdin: strings.NewReader(tp.Stdin)}
	var (
		v   Verdict
		out *Tape
	)
	attach(p, tp, true, func(got Verdict, code int) int { v = got; return code })
	Record(p, func(d *Tape) error { out = d; return nil })
	p.Finish(agent(p))
	require.NotNil(t, out)
	return out, v
}

func TestMutateDerivesFaultTapes(t *testing.T) {
	tp := recordSimple(t)
	ch := tp.Exchanges[0].Channel

	// A plug answering 500 makes the agent give up at once.
	m, err := tp.Mutate(1, Mutation{Status: 500})
	require.NoError(t, err)
	assert.Equal(t, fld("status", "200"), tp.Exchanges[0].Answer[0], "the original is left alone")
	d, v := derive(t, m, simpleAgent)
	require.True(t, v.Passed(), v.String())
	assert.Equal(t, Outcome{At: d.Outcome.At, Code: 1, Reason: "relay answered 500"}, d.Outcome)
	assert.Len(t, d.Exchanges, 1)
	assert.Equal(t, tp.Start, d.Start, "a derived tape keeps the virtual start")
	assert.True(t, replay(t, d, simpleAgent).Passed())

	// A busy plug is retried after a second, and the retry meets the same fault.
	m, err = tp.Mutate(1, Mutation{Status: 503})
	require.NoError(t, err)
	d, v = derive(t, m, simpleAgent)
	require.True(t, v.Passed(), v.String())
	require.Len(t, d.Exchanges, 3)
	assert.Contains(t, tapeText(t, d), "> sleep 1s\n< ok\n< took 1s\n")
	assert.Equal(t, "relay answered 503", d.Outcome.Reason)
	assert.True(t, replay(t, d, simpleAgent).Passed())

	// A changed body flows into the outcome.
	body := "1"
	m, err = tp.Mutate(2, Mutation{Body: &body})
	require.NoError(t, err)
	d, v = derive(t, m, simpleAgent)
	require.True(t, v.Passed(), v.String())
	assert.Equal(t, "relay 1, done\n", d.Outcome.Stdout)

	// A timeout takes the time the agent allowed, and sends it to a page never recorded.
	m, err = tp.Mutate(1, Mutation{Error: "timeout"})
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, m.Exchanges[0].Took)
	_, v = derive(t, m, simpleAgent)
	require.False(t, v.Passed())
	assert.Equal(t, fmt.Sprintf("on %s the agent now asks for something the tape never saw; record this fault "+
		"against the emulator instead: agent asked GET /api/info", ch), v.Divergences[0])
}

func TestMutateRefuses(t *testing.T) {
	tp := recordSimple(t)
	for _, c := range []struct {
		n    int
		m    Mutation
		want string
	}{
		{1, Mutation{}, "a mutation changes one thing"},
		{1, Mutation{Status: 500, Error: "timeout"}, "a mutation changes one thing"},
		{9, Mutation{Status: 500}, "exchange 9: the tape has exchanges 1 to 4"},
		{3, Mutation{Status: 500}, "exchange 3 (exec run): only an HTTP exchange has a status"},
		{1, Mutation{Error: "not-exist"}, `unknown error kind "not-exist" here (want one of timeout, refused`},
		{4, Mutation{Body: new("x")}, "exchange 4 (clock sleep): this answer has no body to change"},
	} {
		_, err := tp.Mutate(c.n, c.m)
		assert.ErrorContains(t, err, c.want)
	}
	m, err := tp.Mutate(3, Mutation{Error: "not-found"})
	require.NoError(t, err)
	assert.Equal(t, []Field{fld("exit", "-1"), fld("error", "not-found", injected)}, m.Exchanges[2].Answer)
}

func TestMutateExit(t *testing.T) {
	tp := recordSimple(t)
	code, bad, msg := 1, 256, "echo: write error\n"
	m, err := tp.Mutate(3, Mutation{Exit: &code, Stderr: &msg})
	require.NoError(t, err)
	assert.Equal(t, []Field{fld("exit", "1"), fld("stdout", "done\n"), fld("stderr", msg)}, m.Exchanges[2].Answer)
	assert.Equal(t, `exits 1 saying "echo: write error\n"`, Mutation{Exit: &code, Stderr: &msg}.String())

	// An exit status replaces an error: the program ran after all.
	failed, err := tp.Mutate(3, Mutation{Error: "deadline"})
	require.NoError(t, err)
	m, err = failed.Mutate(3, Mutation{Exit: &code})
	require.NoError(t, err)
	assert.Equal(t, []Field{fld("exit", "1")}, m.Exchanges[2].Answer)
	d, v := derive(t, m, simpleAgent)
	require.True(t, v.Passed(), v.String())
	assert.Equal(t, 0, d.Outcome.Code, "the simple agent reads no exit status")

	for _, c := range []struct {
		n    int
		m    Mutation
		want string
	}{
		{1, Mutation{Exit: &code}, "only a program has an exit status or stderr"},
		{3, Mutation{Exit: &bad}, "exit status 256 is not 0 to 255"},
		{3, Mutation{Status: 500, Body: &msg}, "a mutation changes one thing"},
		{1, Mutation{Exit: &code, Body: &msg}, "only a program has an exit status or stderr"},
	} {
		_, err := tp.Mutate(c.n, c.m)
		assert.ErrorContains(t, err, c.want)
	}

	// A program that succeeds printing something else (a device still there after a remove).
	zero, out := 0, "still here\n"
	m, err = failed.Mutate(3, Mutation{Exit: &zero, Body: &out})
	require.NoError(t, err)
	assert.Equal(t, []Field{fld("exit", "0"), fld("stdout", out)}, m.Exchanges[2].Answer)
	assert.Equal(t, `exits 0 printing "still here\n"`, Mutation{Exit: &zero, Body: &out}.String())
}
