package ocf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// invocation is what the OCF environment says about this run (SPEC11 "Parameter Passing",
// Pacemaker's services_linux.c add_action_env_vars).
type invocation struct {
	action   string
	raw      map[string]string // OCF_RESKEY_<name> of everything not reserved
	trace    map[string]string // trace_ra, trace_file, trace_dir: pcs's, accepted undeclared
	instance string
	rtype    string // OCF_RESOURCE_TYPE, the name the tag and trace files use
	interval time.Duration
	probe    bool
	depth    int
	timeout  time.Duration
	warnings []string
}

const reskey = "OCF_RESKEY_"

// readEnv gathers the invocation from the environment. It never fails: odd values become
// warnings and fall back to what Pacemaker would have meant, because an agent that refuses to
// run a probe over a malformed interval helps nobody.
func readEnv(a *Agent, p *sysio.Proc, action string) invocation {
	inv := invocation{action: action, raw: map[string]string{}, trace: map[string]string{}, instance: p.Getenv("OCF_RESOURCE_INSTANCE"), rtype: p.Getenv("OCF_RESOURCE_TYPE")}
	if inv.rtype == "" {
		inv.rtype = a.Name
	}
	for _, kv := range p.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, reskey) {
			continue
		}
		// Later assignments win, as getenv's.
		switch name := k[len(reskey):]; {
		case name == "trace_ra" || name == "trace_file" || name == "trace_dir":
			inv.trace[name] = v
		case name != "" && !reserved(name):
			inv.raw[name] = v
		}
	}

	// The interval is in milliseconds. ocf-shellfuncs and ocf.py treat a missing one as 0.
	if s := p.Getenv(reskey + "CRM_meta_interval"); s != "" {
		ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || ms < 0 || ms > maxMillis {
			inv.warnings = append(inv.warnings, fmt.Sprintf("ignoring malformed CRM_meta_interval %q", s))
		} else {
			inv.interval = time.Duration(ms) * time.Millisecond
		}
	}
	inv.probe = action == "monitor" && inv.interval == 0

	// Pacemaker exports OCF_CHECK_LEVEL without the prefix; ocf-shellfuncs also accepts it with.
	level := p.Getenv("OCF_CHECK_LEVEL")
	if level == "" {
		level = p.Getenv(reskey + "OCF_CHECK_LEVEL")
	}
	if level != "" {
		n, err := strconv.Atoi(strings.TrimSpace(level))
		if err != nil || n < 0 {
			inv.warnings = append(inv.warnings, fmt.Sprintf("ignoring malformed OCF_CHECK_LEVEL %q, using 0", level))
		} else {
			inv.depth = n
		}
	}

	inv.timeout = a.timeout(action)
	if action == "monitor" {
		inv.timeout = a.monitorTimeout(inv.depth)
	}
	if s := p.Getenv(reskey + "CRM_meta_timeout"); s != "" {
		ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || ms <= 0 || ms > maxMillis {
			inv.warnings = append(inv.warnings, fmt.Sprintf("ignoring malformed CRM_meta_timeout %q, using %s", s, inv.timeout))
		} else {
			inv.timeout = time.Duration(ms) * time.Millisecond
		}
	}
	return inv
}

// maxMillis keeps millisecond counts inside time.Duration (about 292 years).
const maxMillis = int64(1<<63-1) / int64(time.Millisecond)

// monitorTimeout is the advertised timeout of the deepest monitor not deeper than depth.
func (a *Agent) monitorTimeout(depth int) time.Duration {
	ms := a.monitors()
	best := ms[0]
	for _, m := range ms {
		if m.Depth <= depth && m.Depth >= best.Depth {
			best = m
		}
	}
	return best.Timeout
}

// secrets returns the raw values of Secret parameters, whether or not they check, so they are
// redacted even from the message that says they are malformed.
func (inv invocation) secrets(a *Agent) []string {
	var out []string
	for _, p := range a.Params {
		if v := inv.raw[p.Name]; p.Secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parsePartial keeps what checks when the whole does not: each offending parameter is dropped
// (so it reads as its default) and, if required, made optional, until the rest parses. It
// returns every problem joined, for Unconfigured.
func (inv invocation) parsePartial(a *Agent) (param.Values, error) {
	decls := append([]param.Param(nil), a.Params...)
	raw := map[string]string{}
	for k, v := range inv.raw {
		raw[k] = v
	}
	var errs []error
	for range len(decls) + 1 {
		v, _, err := param.Parse(decls, raw)
		var pe *param.Error
		if !errors.As(err, &pe) {
			return v, errors.Join(errs...)
		}
		errs = append(errs, err)
		delete(raw, pe.Param)
		for i := range decls {
			if decls[i].Name == pe.Param {
				decls[i].Required = false
			}
		}
	}
	panic("ocf: parsePartial did not converge") // each round removes one parameter
}
