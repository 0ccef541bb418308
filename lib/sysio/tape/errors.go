package tape

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"slices"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// tapeError is an error read back from a tape: its recorded message, and the sentinel errors it
// stands for, so agents' errors.Is tests behave as they did against the world.
type tapeError struct {
	msg string
	is  []error
}

func (e *tapeError) Error() string { return e.msg }

func (e *tapeError) Is(target error) bool { return slices.Contains(e.is, target) }

// sentinels are what each recorded error kind satisfies. A switch, not a map: a map literal
// is built at start-up, and most runs of an agent never read a tape.
func sentinels(kind string) []error {
	switch kind {
	case "not-exist":
		return []error{fs.ErrNotExist}
	case "not-found":
		return []error{exec.ErrNotFound, fs.ErrNotExist}
	case "permission":
		return []error{fs.ErrPermission}
	case "deadline":
		return []error{context.DeadlineExceeded}
	case "canceled":
		return []error{context.Canceled}
	case "no-device":
		return []error{sysio.ErrDMNoDevice}
	case "no-control":
		return []error{sysio.ErrDMNoControl}
	}
	return nil
}

// errKind classifies an error for a tape by the sentinels agents test for.
func errKind(err error) string {
	switch {
	case errors.Is(err, sysio.ErrDMNoDevice):
		return "no-device"
	case errors.Is(err, sysio.ErrDMNoControl):
		return "no-control"
	case errors.Is(err, exec.ErrNotFound):
		return "not-found"
	case errors.Is(err, fs.ErrNotExist):
		return "not-exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// errorField is the "error KIND MESSAGE" answer line; kinds are those of the channel, so an exec
// that failed on a missing file says not-found and a file read says not-exist.
func errorField(kind string, err error) Field {
	var ne *sysio.NetError
	switch {
	case (kind == "http" || kind == "mqtt" || kind == "dial") && errors.As(err, &ne):
		return fld("error", string(ne.Kind), ne.Msg)
	case kind == "http" || kind == "mqtt" || kind == "dial":
		return fld("error", string(sysio.NetOther), err.Error())
	}
	k := errKind(err)
	if k == "not-exist" && kind == "exec" {
		k = "not-found"
	}
	if !slices.Contains(errKinds(kind), k) {
		k = "other"
	}
	return fld("error", k, err.Error())
}

// answerError rebuilds the error of an answer's error line, or returns nil when it has none.
func answerError(kind string, answer []Field) error {
	fl, ok := field(answer, "error")
	if !ok {
		return nil
	}
	k, msg := fl.Args[0], fl.Args[1]
	switch kind {
	case "http", "mqtt", "dial":
		return &sysio.NetError{Kind: sysio.NetKind(k), Msg: msg}
	case "clock":
		// A sleep cut short returns ctx.Err() itself, which callers may compare with ==.
		switch k {
		case "deadline":
			return context.DeadlineExceeded
		case "canceled":
			return context.Canceled
		}
	}
	return &tapeError{msg: msg, is: sentinels(k)}
}
