package tape

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Mutation changes the answer of one exchange, to derive a fault tape from a real one. Set
// exactly one field, except that a program's Stderr and Body (its stdout) may go with its Exit.
type Mutation struct {
	Status int     // an HTTP status
	Error  string  // an error kind of the exchange's channel: timeout, refused, not-exist, ...
	Body   *string // an HTTP body, a received MQTT payload, a program's stdout, a file's data, a directory's names
	Exit   *int    // a program's exit status: it ran, and failed (or succeeded)
	Stderr *string // what a program wrote on stderr
}

func (m Mutation) String() string {
	switch {
	case m.Status != 0:
		return fmt.Sprintf("answers status %d", m.Status)
	case m.Error != "":
		return "fails with " + m.Error
	case m.Exit != nil && m.Body != nil:
		return fmt.Sprintf("exits %d printing %s", *m.Exit, quoteBrief(*m.Body))
	case m.Body != nil:
		return "answers " + quoteBrief(*m.Body)
	case m.Exit != nil && m.Stderr != nil:
		return fmt.Sprintf("exits %d saying %s", *m.Exit, quoteBrief(*m.Stderr))
	case m.Exit != nil:
		return fmt.Sprintf("exits %d", *m.Exit)
	case m.Stderr != nil:
		return "says " + quoteBrief(*m.Stderr)
	}
	return "unchanged"
}

// injected is the message of an injected error; agents print it as they would a real one.
const injected = "fault injected by flock-sim mutate"

// Mutate returns a copy of t whose exchange n (1-based, as tapes number them) answers as m says.
// The exchanges after it are left as they were: flock-sim mutate re-derives them by running the
// agent against the result.
func (t *Tape) Mutate(n int, m Mutation) (*Tape, error) {
	set := 0
	withExit := m.Body != nil && m.Exit != nil
	for _, on := range []bool{m.Status != 0, m.Error != "", m.Body != nil && !withExit, m.Exit != nil || m.Stderr != nil} {
		if on {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("a mutation changes one thing: give a status, an error kind or a body")
	}
	if n < 1 || n > len(t.Exchanges) {
		return nil, fmt.Errorf("exchange %d: the tape has exchanges 1 to %d", n, len(t.Exchanges))
	}
	c := t.clone()
	e := &c.Exchanges[n-1]
	var err error
	switch {
	case m.Status != 0:
		err = setStatus(e, m.Status)
	case m.Error != "":
		err = setError(e, m.Error)
	case m.Body != nil && !withExit:
		err = setBody(e, *m.Body)
	default:
		if err = setExit(e, m.Exit, m.Stderr); err == nil && withExit {
			err = setBody(e, *m.Body)
		}
	}
	if err == nil {
		err = validateExchange(*e)
	}
	if err != nil {
		return nil, fmt.Errorf("exchange %d (%s %s): %w", n, e.Channel, e.Op(), err)
	}
	return c, nil
}

func setStatus(e *Exchange, status int) error {
	if e.Kind() != "http" {
		return errors.New("only an HTTP exchange has a status")
	}
	e.Answer = append([]Field{fld("status", strconv.Itoa(status))}, without(e.Answer, "status", "error")...)
	return nil
}

func setError(e *Exchange, kind string) error {
	if !slices.Contains(errKinds(e.Kind()), kind) {
		return fmt.Errorf("unknown error kind %q here (want one of %s)", kind, strings.Join(errKinds(e.Kind()), ", "))
	}
	switch e.Kind() + " " + e.Op() {
	case "mqtt close":
		return errors.New("closing an MQTT connection cannot fail")
	case "exec run":
		e.Answer = []Field{fld("exit", "-1"), fld("error", kind, injected)}
	default:
		e.Answer = []Field{fld("error", kind, injected)}
	}
	// A timeout takes as long as the agent allowed it.
	wait := arg(e.Ask, "timeout")
	if e.Op() == "receive" {
		wait = e.Ask[0].Args[0]
	}
	if d, err := parseDur(wait); err == nil && kind == "timeout" {
		e.Took = d
	}
	return nil
}

func setBody(e *Exchange, body string) error {
	key := ""
	switch op := e.Kind() + " " + e.Op(); {
	case e.Kind() == "http":
		key = "body"
	case op == "mqtt receive" && has(e.Answer, "message"):
		key = "payload"
	case op == "exec run":
		key = "stdout"
	case op == "files read" || op == "files read-at":
		key = "data"
	case op == "dm table" || op == "dm status":
		return setTargets(e, body)
	case op == "files readdir":
		if has(e.Answer, "error") {
			return errors.New("this answer is an error: change it to a status first")
		}
		e.Answer = []Field{fld("names", strings.Fields(body)...)}
		return nil
	default:
		return errors.New("this answer has no body to change")
	}
	if has(e.Answer, "error") {
		return errors.New("this answer is an error: change it to a status first")
	}
	for i, fl := range e.Answer {
		if fl.Key == key {
			e.Answer[i] = fld(key, body)
			return nil
		}
	}
	e.Answer = append(e.Answer, fld(key, body))
	return nil
}

// setTargets replaces a device-mapper answer's targets with body's lines, written as dmsetup
// table and status print them.
func setTargets(e *Exchange, body string) error {
	if has(e.Answer, "error") {
		return errors.New("this answer is an error: change it to a status first")
	}
	ans := without(e.Answer, "target")
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		f := strings.SplitN(l, " ", 4)
		if len(f) < 3 {
			return fmt.Errorf("target %q: want START LENGTH TYPE [PARAMS]", l)
		}
		for _, n := range f[:2] {
			if _, err := strconv.ParseUint(n, 10, 64); err != nil {
				return fmt.Errorf("target %q: %q is not a number of sectors", l, n)
			}
		}
		ans = append(ans, fld("target", f[0], f[1], f[2], strings.Join(f[3:], "")))
	}
	e.Answer = ans
	return nil
}

// setExit changes how a program ended: an exit status (a run that completed, so any error
// goes) and what it said on stderr.
func setExit(e *Exchange, code *int, stderr *string) error {
	if e.Kind()+" "+e.Op() != "exec run" {
		return errors.New("only a program has an exit status or stderr")
	}
	if code != nil {
		if *code < 0 || *code > 255 {
			return fmt.Errorf("exit status %d is not 0 to 255", *code)
		}
		e.Answer = append([]Field{fld("exit", strconv.Itoa(*code))}, without(e.Answer, "exit", "error")...)
	}
	if stderr != nil {
		e.Answer = append(without(e.Answer, "stderr"), fld("stderr", *stderr))
	}
	return nil
}

func without(fs []Field, keys ...string) []Field {
	return slices.DeleteFunc(slices.Clone(fs), func(fl Field) bool { return slices.Contains(keys, fl.Key) })
}
