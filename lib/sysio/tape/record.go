package tape

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Record makes p record itself: every exchange through its world, what it reads from stdin and
// writes to stdout and stderr. At p.Finish the redacted tape goes to save; a save error is
// reported on stderr and leaves the exit code alone, for the agent's answer is real.
func Record(p *sysio.Proc, save func(*Tape) error) {
	now := p.World.Clock.Now()
	r := &recorder{inner: p.World, secrets: newSecrets(), t0: now,
		start: now.Truncate(time.Millisecond).UTC(), mqttN: map[string]int{}}
	args, env := slices.Clone(p.Args), keepEnv(p.Env)
	r.secrets.fromArgs(args)
	r.secrets.fromEnv(p.Env)
	in := &tee{r: p.Stdin}
	out, errs := &capture{w: p.Stdout}, &capture{w: p.Stderr}
	warn := p.Stderr
	p.Stdin, p.Stdout, p.Stderr, p.World = in, out, errs, r.world()
	p.AtExit(func(code int) int {
		stdin := in.String()
		r.secrets.fromStdin(stdin)
		t, warnings := r.finish(args, env, stdin, Outcome{Code: code, Stdout: out.String(), Reason: exitReason(errs.String())})
		for _, w := range warnings {
			fmt.Fprintf(warn, "flock-tape: warning: %s\n", w)
		}
		if err := save(t); err != nil {
			fmt.Fprintf(warn, "flock-tape: the recording was not saved: %v\n", err)
		}
		return code
	})
}

// recorder logs exchanges in the order the agent asked, each with the time it took. Times come
// from the inner world's clock, so recording over a replay (flock-sim mutate) keeps virtual time.
type recorder struct {
	inner   sysio.World
	secrets *secrets
	t0      time.Time
	start   time.Time

	mu     sync.Mutex
	ex     []Exchange
	done   []bool
	closed bool
	mqttN  map[string]int // connections per broker, to number MQTT channels
}

func (r *recorder) world() sysio.World {
	return sysio.World{Exec: recExec{r}, HTTP: recHTTP{r}, MQTT: recMQTT{r}, Files: recFiles{r}, Clock: recClock{r}, Dial: recDial{r}}
}

func (r *recorder) since() time.Duration {
	return max(0, r.inner.Clock.Now().Sub(r.t0)).Round(time.Millisecond)
}

// begin logs a question and returns its slot for end.
func (r *recorder) begin(ch string, ask []Field) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ex = append(r.ex, Exchange{At: r.since(), Channel: ch, Ask: ask})
	r.done = append(r.done, false)
	return len(r.ex) - 1
}

// end logs the answer to the question in slot id.
func (r *recorder) end(id int, answer []Field) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	e := &r.ex[id]
	e.Answer, e.Took, r.done[id] = answer, max(0, r.since()-e.At), true
}

func (r *recorder) nextConn(broker string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mqttN[broker]++
	return mqttChannel(broker, r.mqttN[broker])
}

// finish closes the log and builds the redacted tape. An exchange still unanswered (a goroutine
// the agent left behind) has no answer to replay, so it is dropped with a warning.
func (r *recorder) finish(args, env []string, stdin string, out Outcome) (*Tape, []string) {
	r.mu.Lock()
	r.closed = true
	out.At = r.since()
	t := &Tape{Agent: agentName(args), Start: r.start, Args: args, Env: env, Stdin: stdin, Outcome: out}
	if len(t.Args) == 0 {
		t.Args = []string{t.Agent}
	}
	var warnings []string
	for i, e := range r.ex {
		if !r.done[i] {
			warnings = append(warnings, fmt.Sprintf("exchange on %s (%s) never got its answer: left out of the tape", e.Channel, summary(e.Ask)))
			continue
		}
		t.Exchanges = append(t.Exchanges, e)
	}
	r.mu.Unlock()
	rp, short := r.secrets.replacer()
	redactTape(t, rp)
	for i, w := range warnings { // built from raw questions, which may hold secrets too
		warnings[i] = rp.Replace(w)
	}
	return t, append(short, warnings...)
}
