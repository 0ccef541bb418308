package ocf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/safego"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
)

// Main runs the agent as a process and returns its exit code: func main() { os.Exit(ocf.Main(A)) }.
func Main(a *Agent) int {
	// The tape records or replays the run when a FLOCK_TAPE_* variable asks for it.
	p := sysio.OS()
	if a.HTTP != nil {
		p.HTTP = a.HTTP()
	}
	p, err := tape.FromEnv(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s%s\n", reasonPrefix(p), oneLine("tape: "+err.Error()))
		return int(ErrGeneric)
	}
	return p.Finish(guard(a, p))
}

// guard turns a panic of the runtime into ErrGeneric: Go's own panic exit status is 2, which
// Pacemaker would read as OCF_ERR_ARGS, a hard error that bans the node.
func guard(a *Agent, p *sysio.Proc) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(p.Stderr, "%s: internal error: %v\n%s", a.Name, v, debug.Stack())
			fmt.Fprintf(p.Stderr, "%s%s\n", reasonPrefix(p), oneLine(fmt.Sprintf("internal error in the agent: %v", v)))
			code = int(ErrGeneric)
		}
	}()
	return Run(a, p)
}

// Run is the testable core: the invocation, its streams and its world all come from p.
func Run(a *Agent, p *sysio.Proc) int {
	if err := a.check(); err != nil {
		fmt.Fprintf(p.Stderr, "%s%s\n", reasonPrefix(p), oneLine("agent declaration: "+err.Error()))
		return int(ErrGeneric)
	}
	action := ""
	if len(p.Args) > 1 {
		action = p.Args[1]
	}
	switch action {
	case "meta-data":
		// No parameters, no logging set-up, no files: this runs as hacluster or nobody.
		if _, err := io.WriteString(p.Stdout, a.MetaData()); err != nil {
			return int(ErrGeneric)
		}
		return int(Success)
	case "manpage":
		// Not an OCF action: the build renders ocf_flock_<type>(7) with it.
		if _, err := io.WriteString(p.Stdout, a.ManPage()); err != nil {
			return int(ErrGeneric)
		}
		return int(Success)
	case "usage", "help", "-h", "--help":
		usage(a, p.Stdout)
		return int(Success)
	}
	h, canonical := a.handler(action)
	if h == nil {
		usage(a, p.Stderr)
		why := "no action given"
		if action != "" {
			why = fmt.Sprintf("action %q is not supported", action)
		}
		fmt.Fprintf(p.Stderr, "%s%s\n", reasonPrefix(p), oneLine(why))
		return int(ErrUnimplemented)
	}

	inv := readEnv(a, p, canonical)
	log, tr := newLogger(p, inv)
	log.Redact(inv.secrets(a)...)
	tr.header(log, p)
	if tr.warn != "" {
		log.Warnf("%s", tr.warn)
	}
	for _, w := range inv.warnings {
		log.Warnf("%s", w)
	}
	work, margin := budget(inv.timeout)
	// On the world's clock: in replay the budget runs out where it did in the recording.
	deadline := p.Clock.Now().Add(work)
	ctx, cancel := p.Clock.WithDeadline(context.Background(), deadline)
	defer cancel()
	r := &Request{Ctx: ctx, P: p, Log: log, Action: canonical, Probe: inv.probe, Interval: inv.interval,
		Depth: inv.depth, Instance: inv.instance, Timeout: inv.timeout, deadline: deadline}
	log.Debugf("%s: instance %q, interval %s, depth %d, timeout %s (handler budget %s)",
		canonical, inv.instance, inv.interval, inv.depth, inv.timeout, work)

	if inv.instance == "" && canonical != "validate-all" {
		return finish(r, Exit(ErrArgs, "OCF_RESOURCE_INSTANCE is not set: run the agent through Pacemaker, crm_resource or ocf-tester"))
	}
	vals, unknown, err := param.Parse(a.Params, inv.raw)
	if len(unknown) > 0 {
		log.Warnf("ignoring undeclared parameter(s): %s", strings.Join(unknown, ", "))
	}
	if err != nil {
		return finish(r, unconfigured(a, r, inv, err, margin))
	}
	r.Values = vals
	err = call(r, h, margin)
	// The agent's own checks across parameters (beyond their types) found them bad: on a stop
	// or a probe that is the same case as parameters that do not type-check, and exit 6 there
	// would have the node fenced.
	if code, _ := codeOf(err); code == ErrConfigured && (r.Action == "stop" || r.Probe) {
		return finish(r, unconfigured(a, r, inv, err, margin))
	}
	return finish(r, err)
}

// unconfigured decides a run whose parameters do not check (see the package documentation).
func unconfigured(a *Agent, r *Request, inv invocation, bad error, margin time.Duration) error {
	if r.Action != "stop" && !r.Probe {
		return Exit(ErrConfigured, "%v", bad)
	}
	if a.Actions.Unconfigured == nil {
		if r.Action == "stop" {
			r.Log.Warnf("stop with invalid parameters (%v): nothing can have been started with them, stop succeeds", bad)
			return nil
		}
		r.Log.Infof("probe with invalid parameters (%v): nothing can have been started with them, not running", bad)
		return NotRunning
	}
	var typeErr error
	if r.Values, typeErr = inv.parsePartial(a); typeErr != nil {
		bad = typeErr
	}
	err := call(r, func(r *Request) error { return a.Actions.Unconfigured(r, bad) }, margin)
	if err == nil {
		r.Log.Infof("%s with invalid parameters (%v): the agent confirms nothing is active", r.Action, bad)
		if r.Probe {
			return NotRunning
		}
	}
	return err
}

// call runs the handler and waits for it, or for its budget and then a grace period of half the
// margin, so that a handler that ignores Ctx still ends in an exit reason rather than in
// Pacemaker's SIGKILL. Its panics become errors for the same reason. The grace alone is on the
// wall clock: it waits for a handler that no longer asks the world anything, and the tape's
// clock moves only with what the agent asks, so in replay it would never end.
func call(r *Request, h Handler, margin time.Duration) error {
	done := make(chan error, 1)
	safego.Go(func() { done <- h(r) }, func(v any, stack []byte) {
		r.Log.Debugf("panic in the %s handler: %v\n%s", r.Action, v, stack)
		done <- fmt.Errorf("internal error in the %s handler: %v", r.Action, v)
	})
	select {
	case err := <-done:
		return err
	case <-r.Ctx.Done():
	}
	grace := time.NewTimer(margin / 2)
	defer grace.Stop()
	select {
	case err := <-done:
		return err
	case <-grace.C:
		return fmt.Errorf("the %s handler did not return: %w", r.Action, r.Ctx.Err())
	}
}

// finish turns the handler's error into the exit code, logs it, writes the flight recorder out
// if the action failed and prints the exit reason last, where Pacemaker looks for it.
func finish(r *Request, err error) int {
	code, reason := codeOf(err)
	// A plain error after the budget ran out is the deadline's doing, whatever its text says
	// (a NetError, say, does not wrap the context's error).
	var ee *ExitError
	var c Code
	if err != nil && r.Ctx.Err() != nil && !errors.As(err, &ee) && !errors.As(err, &c) {
		work, _ := budget(r.Timeout)
		code, reason = ErrGeneric, fmt.Sprintf("%s timed out after %s of its %s operation timeout: %v", r.Action, work.Round(time.Millisecond), r.Timeout, err)
	}
	if r.Action == "stop" && code == NotRunning {
		code, reason = Success, "" // a stopped resource is a successful stop (SPEC11)
	}
	if code == ErrGeneric && reason == "" {
		reason = r.Action + " failed"
	}
	reason = oneLine(r.Log.Scrub(reason))
	if failed(r, code) {
		if reason != "" {
			r.Log.Errorf("%s", reason)
		}
		r.Log.Dump(fmt.Sprintf("%s returned %d (%s)", r.Action, code, code))
	} else {
		if reason != "" {
			r.Log.Warnf("%s", reason)
		}
		r.Log.Debugf("%s returned %d (%s)", r.Action, code, code)
	}
	if reason != "" {
		fmt.Fprintf(r.P.Stderr, "%s%s\n", reasonPrefix(r.P), reason)
	}
	return int(code)
}

// failed says whether the code is a failure of this action, for the flight recorder.
func failed(r *Request, c Code) bool {
	switch c {
	case Success:
		return false
	case NotRunning, RunningPromoted, Degraded, DegradedPromoted:
		return r.Action != "monitor"
	}
	return true
}

func reasonPrefix(p *sysio.Proc) string {
	if s := p.Getenv("OCF_EXIT_REASON_PREFIX"); s != "" {
		return s
	}
	return "ocf-exit-reason:"
}

func usage(a *Agent, w io.Writer) {
	fmt.Fprintf(w, "usage: %s {%s|usage}\n\n", a.Name, strings.Join(a.actionNames(), "|"))
	fmt.Fprintf(w, "%s: %s\n", a.Name, a.Short)
	fmt.Fprintf(w, "An OCF 1.1 resource agent: Pacemaker, crm_resource or ocf-tester run it with the\n"+
		"action as its only argument and its parameters as OCF_RESKEY_<name> variables.\n"+
		"`%s meta-data` describes them.\n", a.Name)
}
