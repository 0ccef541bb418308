// Package flight is the agents' logger. Info and above (warnings and above for fence agents) go to
// the configured sinks at once; quieter lines are kept in memory (the flight recorder) and written out only when the action fails, so
// a failed fence or stop explains itself without debug logging being on all the time.
package flight

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Level of a log line.
type Level int

const (
	Debug Level = iota
	Info
	Warn
	Error
)

func (l Level) String() string {
	return [...]string{"DEBUG", "INFO", "WARNING", "ERROR"}[l]
}

// Sink receives log lines. Sinks must not fail the agent: a read-only log file (meta-data run as
// hacluster or nobody) only loses that sink's lines.
type Sink interface {
	Write(t time.Time, l Level, msg string)
}

// Logger fans lines out to sinks and keeps the quieter lines for a post-mortem.
type Logger struct {
	mu      sync.Mutex
	sinks   []Sink
	verbose bool  // every line goes out at once, none only on failure
	quiet   Level // unless verbose, lines below this are recorded, not written (Info by default)
	buffer  []line
	redact  []string
	now     func() time.Time
}

type line struct {
	t   time.Time
	lv  Level
	msg string
}

// maxBuffered bounds the recorder: a long polling loop keeps its last lines, not all of them.
const maxBuffered = 400

// New returns a logger writing to sinks; verbose sends debug lines out immediately.
func New(now func() time.Time, verbose bool, sinks ...Sink) *Logger {
	return &Logger{sinks: sinks, verbose: verbose, quiet: Info, now: now}
}

// RecordBelow makes lines below lv go to the recorder instead of the sinks, unless verbose.
// fence-agents print only warnings and errors unless asked for more.
func (l *Logger) RecordBelow(lv Level) { l.mu.Lock(); l.quiet = lv; l.mu.Unlock() }

// AddSink adds a destination.
func (l *Logger) AddSink(s Sink) { l.mu.Lock(); l.sinks = append(l.sinks, s); l.mu.Unlock() }

// SetVerbose switches immediate debug output.
func (l *Logger) SetVerbose(v bool) { l.mu.Lock(); l.verbose = v; l.mu.Unlock() }

// Redact registers secret values that must never reach a sink.
func (l *Logger) Redact(secrets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// The forms it travels and is quoted in: a peer echoing a query or form body sends it
		// back URL-escaped, and %q of an answer escapes quotes and non-ASCII.
		q := strconv.Quote(s)
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), q[1 : len(q)-1]} {
			if !slices.Contains(l.redact, form) {
				l.redact = append(l.redact, form)
			}
		}
	}
}

// Scrub replaces registered secrets in s.
func (l *Logger) Scrub(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.scrub(s)
}

func (l *Logger) scrub(s string) string {
	for _, r := range l.redact {
		s = strings.ReplaceAll(s, r, "<redacted>")
	}
	return s
}

func (l *Logger) log(lv Level, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := l.scrub(fmt.Sprintf(format, args...))
	t := l.now()
	if lv < l.quiet && !l.verbose {
		if len(l.buffer) == maxBuffered {
			copy(l.buffer, l.buffer[1:])
			l.buffer = l.buffer[:maxBuffered-1]
		}
		l.buffer = append(l.buffer, line{t, lv, msg})
		return
	}
	for _, s := range l.sinks {
		s.Write(t, lv, msg)
	}
}

func (l *Logger) Debugf(format string, args ...any) { l.log(Debug, format, args...) }
func (l *Logger) Infof(format string, args ...any)  { l.log(Info, format, args...) }
func (l *Logger) Warnf(format string, args ...any)  { l.log(Warn, format, args...) }
func (l *Logger) Errorf(format string, args ...any) { l.log(Error, format, args...) }

// Dump writes the recorded lines out, once, framed so they read as a post-mortem.
func (l *Logger) Dump(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buffer) == 0 {
		return
	}
	for _, s := range l.sinks {
		s.Write(l.now(), Warn, fmt.Sprintf("flight recorder (%s): last %d lines follow", reason, len(l.buffer)))
		for _, b := range l.buffer {
			s.Write(b.t, b.lv, b.msg)
		}
	}
	l.buffer = nil
}
