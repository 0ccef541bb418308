package ocf

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code is an OCF exit status. A Code is also an error, so a handler can `return ocf.NotRunning`
// (or ocf.Degraded) to exit with that code and no exit reason.
type Code int

// The OCF exit codes, named as Pacemaker names them (include/crm/services.h, enum ocf_exitcode).
const (
	Success          Code = 0
	ErrGeneric       Code = 1
	ErrArgs          Code = 2
	ErrUnimplemented Code = 3
	ErrPerm          Code = 4
	ErrInstalled     Code = 5
	ErrConfigured    Code = 6
	NotRunning       Code = 7
	RunningPromoted  Code = 8
	FailedPromoted   Code = 9
	// Degraded and DegradedPromoted are "active, but failures are more likely": Pacemaker 2.x
	// treats them as 0 and 8 for recovery purposes and shows the resource as degraded.
	Degraded         Code = 190
	DegradedPromoted Code = 191
)

var codeNames = map[Code]string{
	Success: "ok", ErrGeneric: "error", ErrArgs: "invalid parameter", ErrUnimplemented: "unimplemented feature",
	ErrPerm: "insufficient privileges", ErrInstalled: "not installed", ErrConfigured: "not configured",
	NotRunning: "not running", RunningPromoted: "promoted", FailedPromoted: "promoted (failed)",
	Degraded: "OCF_DEGRADED", DegradedPromoted: "promoted (degraded)",
}

// String is Pacemaker's text for the code (what crm_mon shows).
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("exit code %d", int(c))
}

func (c Code) Error() string { return c.String() }

// ExitError is an exit code with an exit reason, made by Exit.
type ExitError struct {
	Code   Code
	Reason string
}

func (e *ExitError) Error() string {
	if e.Reason == "" {
		return e.Code.String()
	}
	return e.Reason
}

// Exit returns an error that makes the action exit with code and the formatted exit reason,
// which Pacemaker shows in `crm_mon`/`pcs status` next to the failed action.
func Exit(code Code, format string, args ...any) error {
	return &ExitError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// codeOf maps a handler's error to the exit code and exit reason: nil is Success; an ExitError
// or a Code (possibly wrapped) gives its code; anything else is ErrGeneric with its text as the
// reason. A bare Code has no reason.
func codeOf(err error) (Code, string) {
	if err == nil {
		return Success, ""
	}
	var c Code
	if errors.As(err, &c) && err == error(c) {
		return c, ""
	}
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return ee.Code, err.Error()
	case errors.As(err, &c):
		return c, err.Error()
	}
	return ErrGeneric, err.Error()
}

// maxReason is what Pacemaker keeps of an exit reason (services_linux.c, EXIT_REASON_MAX_LEN),
// counted in bytes after the prefix.
const maxReason = 128

// oneLine squashes a reason to a single line of at most maxReason bytes: Pacemaker reads only
// up to the end of the line and cuts the rest, so we cut it ourselves and say so with "…".
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if len(s) <= maxReason {
		return s
	}
	const ellipsis = "…"
	cut := maxReason - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
