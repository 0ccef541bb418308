package tape

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ignoredAsk are question lines a replay does not compare, because they legitimately vary per
// run (an MQTT client id often carries a pid).
var ignoredAsk = []string{"client-id"}

// durationAsk are question lines holding a duration the agent may have computed from the clock;
// virtual time has millisecond resolution, so they match within a millisecond.
var durationAsk = []string{"timeout", "sleep", "receive"}

func sameAsk(tape, got []Field) bool {
	tape, got = compared(tape), compared(got)
	if len(tape) != len(got) {
		return false
	}
	for i := range tape {
		if !sameField(tape[i], got[i]) {
			return false
		}
	}
	return true
}

func compared(fs []Field) []Field {
	out := make([]Field, 0, len(fs))
	for _, fl := range fs {
		if !slices.Contains(ignoredAsk, fl.Key) {
			out = append(out, fl)
		}
	}
	return out
}

func sameField(want, got Field) bool {
	if want.Key != got.Key || len(want.Args) != len(got.Args) {
		return false
	}
	for i, w := range want.Args {
		if slices.Contains(durationAsk, want.Key) {
			a, errA := parseDur(w)
			b, errB := parseDur(got.Args[i])
			if errA == nil && errB == nil {
				if (a - b).Abs() > time.Millisecond {
					return false
				}
				continue
			}
		}
		if !wildMatch(w, got.Args[i]) {
			return false
		}
	}
	return true
}

// Summary renders the exchange on one line: question → answer (took D).
func (e Exchange) Summary() string {
	s := summary(e.Ask) + " → " + summary(e.Answer)
	if e.Took > 0 {
		s += " (took " + fmtDur(e.Took) + ")"
	}
	return s
}

// summary renders fields on one line for people: values clipped, binary ones as a byte count,
// an HTTP request's URL cut to its path (the channel already names the host).
func summary(fs []Field) string {
	var parts []string
	for i, fl := range fs {
		parts = append(parts, fl.Key)
		for _, a := range fl.Args {
			if i == 0 && isMethod(fl.Key) {
				a = shortURL(a)
			}
			parts = append(parts, brief(a))
		}
	}
	return strings.Join(parts, " ")
}

// difference names the first line where two questions differ, for when their summaries clip
// the difference away.
func difference(tape, got []Field) string {
	tape, got = compared(tape), compared(got)
	for i := 0; i < len(tape) && i < len(got); i++ {
		if !sameField(tape[i], got[i]) {
			return fmt.Sprintf("%s: tape %s, agent %s", tape[i].Key,
				strconv.Quote(clip(strings.Join(tape[i].Args, " "), 200)),
				strconv.Quote(clip(strings.Join(got[i].Args, " "), 200)))
		}
	}
	return fmt.Sprintf("tape has %d lines, agent %d", len(tape), len(got))
}

func brief(s string) string {
	if isBinary(s) {
		return fmt.Sprintf("<%d bytes>", len(s))
	}
	return token(clip(s, 60))
}

// quoteBrief quotes a value for a one-line message.
func quoteBrief(s string) string { return strconv.Quote(clip(s, 80)) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func shortURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return u.RequestURI()
}
