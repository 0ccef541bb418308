package tape

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Replay builds a Proc that runs against t: t's argv, environment and stdin, captured stdout and
// stderr, and the tape as its world. Run the agent on it and hand its exit code to the returned
// function, which runs p.Finish and returns the verdict.
func Replay(t *Tape) (*sysio.Proc, func(code int) Verdict) {
	p := &sysio.Proc{Args: slices.Clone(t.Args), Env: slices.Clone(t.Env), Stdin: strings.NewReader(t.Stdin)}
	var v Verdict
	attach(p, t, false, func(got Verdict, code int) int {
		v = got
		if !got.Passed() {
			return ExitDiverged
		}
		return code
	})
	return p, func(code int) Verdict {
		p.Finish(code)
		return v
	}
}

// attach makes t p's world. At p.Finish, done gets the verdict and the agent's exit code and
// returns the code to exit with.
//
// A lenient replay (flock-sim mutate) answers a question the tape holds out of order, and does
// not judge missing exchanges or the outcome: it fails only when the agent asks for something
// the tape never saw.
func attach(p *sysio.Proc, t *Tape, lenient bool, done func(Verdict, int) int) {
	pl := newPlayer(t, lenient)
	if err := t.validate(); err != nil {
		pl = newPlayer(&Tape{Start: t.Start}, lenient)
		pl.divs = append(pl.divs, "invalid tape: "+err.Error())
	} else if !lenient {
		pl.checkInvocation(p.Args, p.Env)
	}
	in := &tee{r: p.Stdin}
	out, errs := &capture{w: p.Stdout}, &capture{w: p.Stderr}
	p.Stdin, p.Stdout, p.Stderr, p.World = in, out, errs, pl.world()
	p.AtExit(func(code int) int {
		got := Outcome{At: pl.elapsed(), Code: code, Stdout: out.String(), Reason: exitReason(errs.String())}
		v := pl.verdict(got, in.String())
		v.Stderr = errs.String()
		return done(v, code)
	})
}

// player serves a tape's answers. Within a channel it keeps the tape's order; across channels
// any interleaving goes, as concurrent agents interleave differently on every run.
type player struct {
	t       *Tape
	lenient bool

	mu    sync.Mutex
	now   time.Duration // virtual time since t.Start
	used  []bool
	chans map[string][]int // exchange indices per channel, in tape order
	mqttN map[string]int
	divs  []string
}

func newPlayer(t *Tape, lenient bool) *player {
	p := &player{t: t, lenient: lenient, used: make([]bool, len(t.Exchanges)),
		chans: map[string][]int{}, mqttN: map[string]int{}}
	for i, e := range t.Exchanges {
		p.chans[e.Channel] = append(p.chans[e.Channel], i)
	}
	return p
}

func (p *player) world() sysio.World {
	return sysio.World{Exec: playExec{p}, HTTP: playHTTP{p}, MQTT: playMQTT{p}, Files: playFiles{p}, Clock: playClock{p}, Dial: playDial{p}}
}

func (p *player) elapsed() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

func (p *player) nextConn(broker string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mqttN[broker]++
	return mqttChannel(broker, p.mqttN[broker])
}

// serve returns the tape's exchange answering ask on channel ch and moves virtual time to its
// end. When the tape has none, the divergence is kept for the verdict and comes back as the
// error the agent gets, so the agent fails the way it would against a broken peer.
func (p *player) serve(ch string, ask []Field) (Exchange, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	idx := p.chans[ch]
	if i, ok := p.pending(idx, ask); ok {
		return p.use(i, false), nil
	}
	if p.lenient {
		if i, ok := p.recorded(idx, ask); ok {
			return p.use(i, p.used[i]), nil
		}
		// A sleep is the agent's own pacing, not the world's answer: a derived run may sleep
		// differently (a retry after the fault) and the sleep still just passes.
		if ch == "clock" {
			d, _ := parseDur(ask[0].Args[0])
			p.now += d
			return Exchange{Channel: ch, Ask: ask, Answer: []Field{fld("ok")}, Took: d}, nil
		}
	}
	div := p.mismatch(ch, idx, ask)
	p.divs = append(p.divs, div)
	return Exchange{}, errors.New("flock-tape replay: " + div)
}

// overlapSlack covers the rounding of three tape times to milliseconds, so two requests that
// overlapped in the recording are not taken for consecutive ones.
const overlapSlack = 2 * time.Millisecond

// pending finds ask among the channel's next unused exchanges: the first, or one recorded while
// the first was still running (two requests the agent had in flight at once may come in either
// order). The earliest match wins, so equal questions get their answers in tape order.
func (p *player) pending(idx []int, ask []Field) (int, bool) {
	first := -1
	for _, i := range idx {
		if p.used[i] {
			continue
		}
		e := p.t.Exchanges[i]
		if first < 0 {
			first = i
		} else if f := p.t.Exchanges[first]; e.At > f.At+f.Took+overlapSlack {
			break
		}
		if sameAsk(e.Ask, ask) {
			return i, true
		}
	}
	return 0, false
}

// recorded finds ask anywhere on the channel for a lenient replay: the latest answer already
// given to it (a retry meets the same fault again), else a later unused one.
func (p *player) recorded(idx []int, ask []Field) (int, bool) {
	for _, i := range slices.Backward(idx) {
		if p.used[i] && sameAsk(p.t.Exchanges[i].Ask, ask) {
			return i, true
		}
	}
	for _, i := range idx {
		if !p.used[i] && sameAsk(p.t.Exchanges[i].Ask, ask) {
			return i, true
		}
	}
	return 0, false
}

// use marks exchange i served. Virtual time moves to the exchange's recorded end, so concurrent
// exchanges overlap as they did; an answer served again costs its duration again.
func (p *player) use(i int, again bool) Exchange {
	e := p.t.Exchanges[i]
	p.used[i] = true
	if again {
		p.now += e.Took
	} else {
		p.now = max(p.now, e.At+e.Took)
	}
	return e
}

func (p *player) mismatch(ch string, idx []int, ask []Field) string {
	got := summary(ask)
	next := -1
	for _, i := range idx {
		if !p.used[i] {
			next = i
			break
		}
	}
	switch {
	case p.lenient:
		return fmt.Sprintf("on %s the agent now asks for something the tape never saw; record this fault against the emulator instead: agent asked %s", ch, got)
	case len(idx) == 0:
		return fmt.Sprintf("extra exchange (%s): the tape never used this channel, agent asked %s", ch, got)
	case next < 0:
		return fmt.Sprintf("extra exchange (%s): the tape has no more exchanges on this channel, agent asked %s", ch, got)
	}
	want := p.t.Exchanges[next].Ask
	msg := fmt.Sprintf("exchange %d (%s): tape has %s, agent asked %s", next+1, ch, summary(want), got)
	if summary(want) == got {
		msg += " (" + difference(want, ask) + ")"
	}
	return msg
}

// checkInvocation compares how the process was started with the tape; flock-sim starts it from
// the tape, so a difference means someone ran the replay by hand with other arguments.
func (p *player) checkInvocation(args, env []string) {
	want, got := p.t.Args, args
	if len(want) > 0 && len(got) > 0 && agentName(want) == agentName(got) {
		want, got = want[1:], got[1:]
	}
	if !sameList(want, got) {
		p.divs = append(p.divs, fmt.Sprintf("invocation: tape has argv %q, process has %q", p.t.Args, args))
	}
	if w, g := keepEnv(p.t.Env), keepEnv(env); !sameList(w, g) {
		p.divs = append(p.divs, fmt.Sprintf("invocation: tape has environment %q, process has %q", w, g))
	}
}

func sameList(want, got []string) bool {
	return slices.EqualFunc(want, got, wildMatch)
}

// verdict judges the run: divergences met on the way, then (strictly) exchanges never asked for
// and the outcome.
func (p *player) verdict(got Outcome, stdin string) Verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := Verdict{Divergences: slices.Clone(p.divs), Got: got}
	if p.lenient {
		return v
	}
	for i, e := range p.t.Exchanges {
		if !p.used[i] {
			v.Divergences = append(v.Divergences, fmt.Sprintf("missing: exchange %d (%s): tape has %s, agent never asked", i+1, e.Channel, summary(e.Ask)))
		}
	}
	want := p.t.Outcome
	if !wildMatch(p.t.Stdin, stdin) {
		v.Divergences = append(v.Divergences, fmt.Sprintf("stdin: tape has %s, agent read %s", quoteBrief(p.t.Stdin), quoteBrief(stdin)))
	}
	if want.Code != got.Code {
		v.Divergences = append(v.Divergences, fmt.Sprintf("outcome: tape has exit %d, agent exited %d", want.Code, got.Code))
	}
	if !wildMatch(want.Stdout, got.Stdout) {
		v.Divergences = append(v.Divergences, fmt.Sprintf("outcome: tape has stdout %s, agent wrote %s", quoteBrief(want.Stdout), quoteBrief(got.Stdout)))
	}
	if !wildMatch(want.Reason, got.Reason) {
		v.Divergences = append(v.Divergences, fmt.Sprintf("outcome: tape has exit reason %s, agent gave %s", quoteBrief(want.Reason), quoteBrief(got.Reason)))
	}
	return v
}
