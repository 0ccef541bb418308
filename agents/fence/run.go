package fence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
)

// Exit codes: fence-agents agents only ever exit 0, 1 or 2.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitOff    = 2 // status: the plugs are off
)

// actions are what fence-agents' _get_available_actions offers a multi-plug agent.
var actions = []string{"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "manpage", "validate-all"}

// Main runs the agent as a process and returns the exit code.
func Main(a *Agent) (code int) {
	// An unrecovered panic exits 2, which is "status: off" to Pacemaker: never let one out.
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(os.Stderr, "%s: internal error: %v\n", a.Name, v)
			code = ExitFailed
		}
	}()
	p := sysio.OS()
	if a.HTTP != nil {
		p.HTTP = a.HTTP()
	}
	if a.MQTT != nil {
		p.MQTT = a.MQTT()
	}
	p, err := tape.FromEnv(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", a.Name, err)
		return ExitFailed
	}
	return p.Finish(Run(a, p))
}

// Run is the testable core: everything comes from p.
func Run(a *Agent, p *sysio.Proc) int {
	decls := a.declare()
	var in input
	var err error
	if len(p.Args) > 1 {
		in, err = parseArgs(p.Args[1:], decls)
	} else {
		in, err = parseStdin(p.Stdin, decls)
	}
	log := newLogger(a, p, in)
	log.Redact(in.secrets...)
	for _, w := range in.warnings {
		log.Warnf("%s", w)
	}
	if err != nil {
		return fail(log, err.Error())
	}
	if in.raw["help"] == "1" {
		usage(a, p, decls)
		return ExitOK
	}
	if in.raw["version"] == "1" {
		fmt.Fprintln(p.Stdout, a.Version)
		return ExitOK
	}
	// Only a missing action defaults to reboot; "action=" is unrecognised, as in fence-agents.
	action, given := in.raw["action"]
	action = strings.ToLower(action)
	if !given {
		action = standard["action"].Default
	}
	if action == "meta-data" {
		action = "metadata"
	}
	switch action {
	case "metadata":
		return writeOut(p, metadata(a, decls, false))
	case "manpage":
		return writeOut(p, manpage(a, decls))
	}
	if !contains(actions, action) {
		return fail(log, fmt.Sprintf("Failed: Unrecognised action '%s'", action))
	}
	in.raw["action"] = action
	r, err := request(a, p, log, in, decls)
	if err != nil {
		return fail(log, "Failed: "+err.Error())
	}
	if action == "validate-all" {
		return ExitOK
	}
	code, err := act(context.Background(), a, r)
	if err != nil {
		return fail(log, "Failed: "+log.Scrub(err.Error()))
	}
	return code
}

// plugOptional relaxes plug for parsing. Meta-data marks it required, as fence-agents does, but
// only the power actions need one: Pacemaker runs the device's monitor and list without a plug,
// and needsPlug below says so with a better message.
func plugOptional(decls []param.Param) []param.Param {
	out := slices.Clone(decls)
	for i := range out {
		if out[i].Name == "plug" {
			out[i].Required = false
		}
	}
	return out
}

// request checks the input and builds the Request the actions work on.
func request(a *Agent, p *sysio.Proc, log *flight.Logger, in input, decls []param.Param) (*Request, error) {
	vals, _, err := param.Parse(plugOptional(decls), in.raw)
	if err != nil {
		return nil, err
	}
	log.Redact(vals.Secrets()...)
	r := &Request{Action: vals.String("action"), Nodename: in.nodename, Values: vals, Proc: p, Log: log}
	// Under Pacemaker the overall budget is fenced's own action timeout: fence-agents then waits
	// for the power state without a limit of its own (disable_timeout, PR #357). Per-request
	// timeouts stay, so one hung request is retried rather than eating the whole budget.
	if p.Getenv("PCMK_service") == "pacemaker-fenced" && !vals.IsSet("disable_timeout") {
		vals.Set("disable_timeout", "1")
	}
	if vals.Bool("disable_timeout") {
		vals.Set("power_timeout", "0")
	}
	if has(decls, "plug") && vals.String("plug") != "" {
		sep := vals.String("plug_separator")
		if sep == "" {
			sep = ","
		}
		for _, s := range strings.Split(vals.String("plug"), sep) {
			if s = strings.TrimSpace(s); s != "" {
				r.Plugs = append(r.Plugs, s)
			}
		}
	}
	needsPlug := map[string]bool{"on": true, "off": true, "reboot": true, "status": true}
	if has(decls, "plug") && needsPlug[r.Action] && len(r.Plugs) == 0 {
		return nil, errors.New("no plug given: set plug (or port), or let Pacemaker pass it through pcmk_host_map")
	}
	if err := password(r, decls); err != nil {
		return nil, err
	}
	if a.Validate != nil {
		if err := a.Validate(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func has(decls []param.Param, name string) bool {
	for _, d := range decls {
		if d.Name == name {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeOut(p *sysio.Proc, s string) int {
	if _, err := fmt.Fprint(p.Stdout, s); err != nil {
		return ExitFailed
	}
	return ExitOK
}

// fail prints the one-line reason, then what the flight recorder holds, and exits 1.
func fail(log *flight.Logger, msg string) int {
	log.Errorf("%s", msg)
	log.Dump("action failed")
	return ExitFailed
}
