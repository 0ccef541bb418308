package tape

import (
	"slices"
	"strings"
	"time"
)

const (
	// Magic and Version open every tape: "flock-tape 1".
	Magic   = "flock-tape"
	Version = 1

	// ExitDiverged is the exit code of a replay that diverged from its tape. 86 is unused by the
	// OCF (0-9, 190-191) and fence (0-2) conventions, so it cannot pass for an agent's own answer.
	ExitDiverged = 86

	// Redacted stands for every secret value in a tape. In replay it is also the secret the agent
	// is fed, and in a tape it matches any text the agent derives from it (see Exchange.Ask).
	Redacted = "<redacted>"

	// The variables that choose a mode; FromEnv removes them from the agent's environment.
	EnvRecord  = "FLOCK_TAPE_RECORD"  // record this run to the path (a directory: a new file in it)
	EnvReplay  = "FLOCK_TAPE_REPLAY"  // replay the tape at the path
	EnvVerdict = "FLOCK_TAPE_VERDICT" // where a replay writes its Verdict
	EnvLenient = "FLOCK_TAPE_LENIENT" // "1": replay leniently, as flock-sim mutate does
)

// Tape is one run of one agent: how it was invoked, what it exchanged with the world, and how it
// ended.
type Tape struct {
	Agent string    // basename of argv[0]
	Start time.Time // wall time the run began; replay's virtual clock starts here
	Notes []string  // free text carried along, e.g. how a fault tape was derived
	Args  []string
	Env   []string // only the variables that matter to an agent (see envMatters)
	Stdin string   // what the agent read from stdin

	Exchanges []Exchange
	Outcome   Outcome
}

// Exchange is one request the agent made and the answer the world gave.
//
// Ask holds what the agent asked, Answer what it got; a replay matches Ask exactly, except that a
// Redacted in the tape matches any non-empty text, an MQTT client-id is ignored (it legitimately
// varies per run: pids, random suffixes), and durations the agent asks for (timeouts, sleeps,
// receive waits) match within a millisecond, the resolution of virtual time.
type Exchange struct {
	At      time.Duration // since Start, when the agent asked
	Took    time.Duration // how long the world took to answer
	Channel string        // "http HOST:PORT", "http unix:PATH", "mqtt BROKER #N", "dial tcp|udp HOST:PORT", "exec", "files", "clock"
	Ask     []Field
	Answer  []Field
}

// Field is one line of an exchange: a key and its values.
type Field struct {
	Key  string
	Args []string
}

// Outcome is how the agent ended.
type Outcome struct {
	At     time.Duration // since Start
	Code   int
	Stdout string
	Reason string // the last "ocf-exit-reason:" line on stderr, without its prefix
}

// Kind is the first word of the exchange's channel: http, mqtt, exec, files or clock.
func (e Exchange) Kind() string {
	k, _, _ := strings.Cut(e.Channel, " ")
	return k
}

// Op is the key of the first Ask field: an HTTP method, connect, run, read, sleep, ...
func (e Exchange) Op() string {
	if len(e.Ask) == 0 {
		return ""
	}
	return e.Ask[0].Key
}

// clone copies t deeply, so a mutation leaves the original alone.
func (t *Tape) clone() *Tape {
	c := *t
	c.Notes, c.Args, c.Env = slices.Clone(t.Notes), slices.Clone(t.Args), slices.Clone(t.Env)
	c.Exchanges = make([]Exchange, len(t.Exchanges))
	for i, e := range t.Exchanges {
		e.Ask, e.Answer = cloneFields(e.Ask), cloneFields(e.Answer)
		c.Exchanges[i] = e
	}
	return &c
}

func cloneFields(fs []Field) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = Field{Key: f.Key, Args: slices.Clone(f.Args)}
	}
	return out
}

// field returns the first field with key, if any.
func field(fs []Field, key string) (Field, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// arg returns the first value of the first field with key, or "".
func arg(fs []Field, key string) string {
	if f, ok := field(fs, key); ok && len(f.Args) > 0 {
		return f.Args[0]
	}
	return ""
}

func has(fs []Field, key string) bool {
	_, ok := field(fs, key)
	return ok
}

func fld(key string, args ...string) Field { return Field{Key: key, Args: args} }
