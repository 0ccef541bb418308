package ocf

import (
	"fmt"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Agent is the declaration of one resource agent: its parameters, its handlers and the
// operation defaults it advertises. Parsing, meta-data and validation all come from it.
type Agent struct {
	Name    string // the agent's type, as in ocf:flock:<Name>
	Version string // the agent's own version (meta-data root attribute)
	Short   string
	Long    string
	Params  []param.Param
	Actions Actions
	// Timeouts are the advertised timeouts per action name ("start", "stop", "promote",
	// "monitor", …). pcs copies them into the CIB at create time, so they become the timeouts
	// users actually run with: keep them honest. Missing ones default to Pacemaker's 20s.
	// They are also the budget when an action is run without OCF_RESKEY_CRM_meta_timeout.
	Timeouts map[string]time.Duration
	// Monitors are the advertised monitor operations; none means one at 10s, depth 0.
	Monitors []Monitor
	// HTTP is the real HTTP client of an agent that speaks HTTP (httpio.New); nil for one that
	// does not, whose binary then links no net/http or crypto/tls.
	HTTP func() sysio.HTTPClient
}

// Monitor is one advertised monitor operation.
type Monitor struct {
	Interval time.Duration
	Depth    int           // OCF_CHECK_LEVEL: 0 cheap, 10 local environment, 20 heavy
	Timeout  time.Duration // 0: Timeouts["monitor"]
	Role     string        // "Promoted" or "Unpromoted" for promotable agents, else empty
}

// Handler performs one action. nil means success; see Exit, Code and codeOf for the rest.
type Handler func(r *Request) error

// Actions are the agent's handlers. Start, Stop and Monitor are mandatory.
type Actions struct {
	Start, Stop, Monitor Handler
	// Validate serves validate-all after the runtime has checked the parameters' types; it
	// must honour r.Depth (0: the parameters alone, no root, no device, no network).
	// Without it validate-all checks types only.
	Validate Handler
	// Reload serves reload-agent (and "reload", its pre-1.1 name): apply the parameters
	// declared Reloadable without restarting.
	Reload                                          Handler
	Promote, Demote, Notify, MigrateTo, MigrateFrom Handler
	// Unconfigured answers a stop or a probe whose parameters do not check. r.Values then holds
	// only the parameters that did check (the others read as their defaults and IsSet is false)
	// and bad says what is wrong. Return nil if the agent can tell from what is left that no
	// instance of this resource is active on this node (the stop then succeeds, the probe
	// reports NotRunning), or an error if it can be or the agent cannot tell. See the package
	// documentation for what happens without it.
	Unconfigured func(r *Request, bad error) error
}

// handler returns the handler serving an action name, and the canonical action name.
func (a *Agent) handler(action string) (Handler, string) {
	x := a.Actions
	switch action {
	case "start":
		return x.Start, action
	case "stop":
		return x.Stop, action
	case "monitor":
		return x.Monitor, action
	case "validate-all":
		if x.Validate == nil {
			return func(*Request) error { return nil }, action
		}
		return x.Validate, action
	case "reload-agent", "reload":
		return x.Reload, "reload-agent"
	case "promote":
		return x.Promote, action
	case "demote":
		return x.Demote, action
	case "notify":
		return x.Notify, action
	case "migrate_to":
		return x.MigrateTo, action
	case "migrate_from":
		return x.MigrateFrom, action
	}
	return nil, action
}

// actionNames lists the actions the agent serves, in meta-data order.
func (a *Agent) actionNames() []string {
	var out []string
	for _, n := range []string{"start", "stop", "monitor", "promote", "demote", "notify", "migrate_to", "migrate_from", "reload-agent"} {
		if h, _ := a.handler(n); h != nil {
			out = append(out, n)
		}
	}
	return append(out, "meta-data", "validate-all")
}

// timeout is the advertised timeout of an action.
func (a *Agent) timeout(action string) time.Duration {
	if d, ok := a.Timeouts[action]; ok && d > 0 {
		return d
	}
	if action == "meta-data" {
		return 5 * time.Second
	}
	return defaultTimeout
}

// defaultTimeout is Pacemaker's default operation timeout (PCMK_DEFAULT_ACTION_TIMEOUT_MS).
const defaultTimeout = 20 * time.Second

// monitors returns the advertised monitor operations with their timeouts filled in.
func (a *Agent) monitors() []Monitor {
	ms := a.Monitors
	if len(ms) == 0 {
		ms = []Monitor{{Interval: 10 * time.Second}}
	}
	out := make([]Monitor, len(ms))
	for i, m := range ms {
		if m.Timeout <= 0 {
			m.Timeout = a.timeout("monitor")
		}
		out[i] = m
	}
	return out
}

// envName reports whether a parameter name can travel as OCF_RESKEY_<name> (SPEC11):
// [A-Za-z_][A-Za-z0-9_]*. Checked at every run, so by hand rather than by a regexp.
func envName(s string) bool {
	for i, c := range []byte(s) {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// reserved reports OCF_RESKEY_ names that belong to Pacemaker, pcs or the runtime, not to the
// agent's declaration.
func reserved(name string) bool {
	switch name {
	case "crm_feature_set", "OCF_CHECK_LEVEL", "trace_ra", "trace_file", "trace_dir":
		return true
	}
	return strings.HasPrefix(name, "CRM_meta_")
}

// check finds mistakes in the declaration, which would otherwise surface as invalid meta-data
// or a handler Pacemaker cannot reach. Any test that runs the agent trips over them.
func (a *Agent) check() error {
	x := a.Actions
	switch {
	case a.Name == "" || a.Short == "":
		return fmt.Errorf("agent needs a Name and a Short description")
	case x.Start == nil || x.Stop == nil || x.Monitor == nil:
		return fmt.Errorf("agent %s needs Start, Stop and Monitor handlers", a.Name)
	case (x.Promote == nil) != (x.Demote == nil):
		return fmt.Errorf("agent %s: Promote and Demote go together", a.Name)
	case (x.MigrateTo == nil) != (x.MigrateFrom == nil):
		return fmt.Errorf("agent %s: MigrateTo and MigrateFrom go together", a.Name)
	case len(a.Params) == 0:
		return fmt.Errorf("agent %s: OCF 1.1 meta-data needs at least one parameter", a.Name)
	}
	seen := map[string]bool{}
	for _, p := range a.Params {
		switch {
		case !envName(p.Name):
			return fmt.Errorf("parameter %q cannot be passed as an environment variable", p.Name)
		case reserved(p.Name):
			return fmt.Errorf("parameter %s is reserved by Pacemaker, pcs or the runtime", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("parameter %s is declared twice", p.Name)
		case p.Short == "":
			return fmt.Errorf("parameter %s needs a Short description", p.Name)
		case p.Kind == param.Select && len(p.Choices) == 0:
			return fmt.Errorf("parameter %s is a select without choices", p.Name)
		case p.Reloadable && x.Reload == nil:
			return fmt.Errorf("parameter %s is reloadable but the agent has no Reload handler", p.Name)
		}
		if p.Default != "" {
			if err := p.Check(p.Default); err != nil {
				return fmt.Errorf("parameter %s: default %v", p.Name, err)
			}
		}
		seen[p.Name] = true
	}
	for _, m := range a.Monitors {
		if m.Interval <= 0 || m.Depth < 0 {
			return fmt.Errorf("agent %s: a monitor needs a positive interval and a depth ≥ 0", a.Name)
		}
	}
	return nil
}
