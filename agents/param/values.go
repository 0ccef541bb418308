package param

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is a parameter that is missing or malformed. Its text names the parameter and never
// contains the value of a secret one.
type Error struct {
	Param string
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("parameter %s: %s", e.Param, e.Msg) }

// Values are checked parameter values; getters fall back to the declared default.
type Values struct {
	decl map[string]Param
	set  map[string]string
}

// Parse checks raw values against the declaration: required ones present, every value of its
// type. Keys that are not declared are returned so the caller can warn about them.
func Parse(decls []Param, raw map[string]string) (Values, []string, error) {
	v := Values{decl: map[string]Param{}, set: map[string]string{}}
	for _, d := range decls {
		v.decl[d.Name] = d
	}
	var unknown []string
	for k, val := range raw {
		if _, ok := v.decl[k]; ok {
			v.set[k] = val
		} else {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, d := range decls {
		val, ok := v.set[d.Name]
		if !ok || val == "" {
			if d.Required && d.Default == "" {
				return v, unknown, &Error{d.Name, "is required but not set"}
			}
			delete(v.set, d.Name)
			continue
		}
		if err := d.Check(val); err != nil {
			msg := err.Error()
			if d.Secret {
				msg = "has an invalid value"
			}
			return v, unknown, &Error{d.Name, msg}
		}
	}
	return v, unknown, nil
}

// IsSet reports whether the parameter was given (not defaulted).
func (v Values) IsSet(name string) bool { _, ok := v.set[name]; return ok }

// Raw returns the given value or the default.
func (v Values) Raw(name string) string {
	if s, ok := v.set[name]; ok {
		return s
	}
	d, ok := v.decl[name]
	if !ok {
		panic("param: undeclared parameter " + name) // a programming error, caught by any test
	}
	return d.Default
}

// String returns the value as text.
func (v Values) String(name string) string { return v.Raw(name) }

// Int returns an Integer parameter (0 when unset without default).
func (v Values) Int(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v.Raw(name)), 10, 64)
	return n
}

// Bool returns a Boolean parameter.
func (v Values) Bool(name string) bool { b, _ := ParseBool(v.Raw(name)); return b }

// Duration returns a Seconds or Duration parameter.
func (v Values) Duration(name string) time.Duration {
	raw := v.Raw(name)
	if v.decl[name].Kind == Seconds {
		d, _ := ParseSeconds(raw)
		return d
	}
	d, _ := ParseDuration(raw)
	return d
}

// Set overrides a value after parsing (fence-agents' disable_timeout zeroes timeouts this way).
func (v Values) Set(name, val string) { v.set[name] = val }

// Secrets returns the values of the secret parameters that are set, for redaction.
func (v Values) Secrets() []string {
	var out []string
	for k, s := range v.set {
		if v.decl[k].Secret && s != "" {
			out = append(out, s)
		}
	}
	return out
}
