// Package param is the typed parameter model shared by the OCF and fence runtimes. An agent
// declares its parameters once; parsing, validation, meta-data and man pages all come from that
// one declaration, so they cannot drift apart.
package param

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is a parameter's value type.
type Kind int

const (
	String   Kind = iota
	Integer       // decimal, optionally bounded by Min/Max
	Boolean       // yes/no, true/false, on/off, 1/0 (and ja/nein, as ocf_is_true)
	Select        // one of Choices
	Seconds       // a decimal number of seconds (fence-agents' "second")
	Duration      // a Pacemaker duration: 90, 90s, 1500ms, 2min, 1h
)

// Param declares one parameter.
type Param struct {
	Name        string
	Kind        Kind
	Default     string
	Required    bool
	Unique      bool   // must differ between resources of this agent (OCF 1.0 attribute)
	UniqueGroup string // OCF 1.1: the combination of the group's values must be unique
	Reloadable  bool   // can change without a restart (OCF reload-agent)
	Choices     []string
	Min, Max    *int64 // bounds for Integer
	Secret      bool   // never logged, traced or shown in an exit reason
	Short       string // one line
	Long        string // paragraphs; blank lines separate them

	// Fence-agent command-line details.
	Getopt    string // short option letter ("a" for -a)
	ValueName string // placeholder in --ip=[ip]; empty for flags
	Obsoletes string // the old key this one replaces (ipaddr for ip); accepted as an alias
}

// Bounds is a helper for declaring Min/Max.
func Bounds(min, max int64) (*int64, *int64) { return &min, &max }

// TypeName is the content type meta-data uses for the kind.
func (p Param) TypeName() string {
	switch p.Kind {
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	case Select:
		return "select"
	case Seconds:
		return "second"
	case Duration:
		return "string"
	}
	return "string"
}

// Check parses a raw value and returns an error that says what is wrong with it.
func (p Param) Check(raw string) error {
	switch p.Kind {
	case Integer:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", raw)
		}
		if p.Min != nil && n < *p.Min || p.Max != nil && n > *p.Max {
			return fmt.Errorf("%d is out of range %d..%d", n, *p.Min, *p.Max)
		}
	case Boolean:
		if _, ok := ParseBool(raw); !ok {
			return fmt.Errorf("%q is not a boolean (use yes or no)", raw)
		}
	case Select:
		for _, c := range p.Choices {
			if raw == c {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", raw, strings.Join(p.Choices, ", "))
	case Seconds:
		if _, err := ParseSeconds(raw); err != nil {
			return err
		}
	case Duration:
		if _, err := ParseDuration(raw); err != nil {
			return err
		}
	}
	return nil
}

// ParseBool accepts the spellings fence-agents and ocf-shellfuncs accept.
func ParseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "on", "ja":
		return true, true
	case "0", "no", "n", "false", "off", "nein", "":
		return false, true
	}
	return false, false
}

// maxSeconds bounds every time option: a week is beyond any fence or resource timeout, and far
// below where a time.Duration overflows (292 years) into a negative, "skip it" value.
const maxSeconds = 7 * 24 * 3600

// ParseSeconds reads fence-agents' "second" type: a finite decimal number in [0, a week]; inf,
// NaN, 1e10 and negatives are refused, never turned into a negative or unlimited duration.
func ParseSeconds(raw string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	// Python's float() (fence-agents) takes no hex floats such as 0x10p9: neither do we.
	if err != nil || f != f || f < 0 || f > maxSeconds || strings.ContainsAny(raw, "xX") {
		return 0, fmt.Errorf("%q is not a number of seconds from 0 to %d", raw, maxSeconds)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// ParseDuration reads a Pacemaker-style duration; a bare number is seconds.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 30s, 2min, 1h)", s)
	}
	units := map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second,
		"ms": time.Millisecond, "msec": time.Millisecond, "us": time.Microsecond, "usec": time.Microsecond,
		"m": time.Minute, "min": time.Minute, "h": time.Hour, "hr": time.Hour}
	u, ok := units[strings.TrimSpace(t[i:])]
	if !ok {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 30s, 2min, 1h)", s)
	}
	if n*float64(u) > maxSeconds*float64(time.Second) {
		return 0, fmt.Errorf("%q is longer than a week", s)
	}
	return time.Duration(n * float64(u)), nil
}
