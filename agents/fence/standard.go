package fence

import "github.com/isard-vdi/flock-agents/agents/param"

// always are the options every fence-agents agent has (DEPENDENCY_OPT "default").
var always = []string{"action", "verbose", "verbose_level", "debug_file", "quiet", "version", "help",
	"plug_separator", "delay", "disable_timeout", "login_timeout", "power_timeout", "power_wait",
	"shell_timeout", "stonith_status_sleep", "retry_on"}

// Bounds of the integer options: a value outside them is refused by every action, validate-all
// included, rather than failing later at the device (ipport=-1, 70000) or meaning nothing.
var (
	portMin, portMax   = param.Bounds(1, 65535)
	retryMin, retryMax = param.Bounds(0, 100)
)

// standard holds fence-agents' all_opt entries we support, with their defaults and help.
var standard = map[string]param.Param{
	"action": {Name: "action", Getopt: "o", ValueName: "action", Default: "reboot", Required: true,
		Short: "Fencing action"},
	"ip": {Name: "ip", Obsoletes: "ipaddr", Getopt: "a", ValueName: "ip",
		Short: "IP address or hostname of fencing device"},
	"ipport": {Name: "ipport", Getopt: "u", ValueName: "port", Kind: param.Integer, Default: "80", Min: portMin, Max: portMax,
		Short: "TCP/UDP port to use for connection with device"},
	"plug": {Name: "plug", Obsoletes: "port", Getopt: "n", ValueName: "id",
		Short: "Physical plug number on device, UUID or identification of machine"},
	"username": {Name: "username", Obsoletes: "login", Getopt: "l", ValueName: "name", Short: "Login name"},
	"password": {Name: "password", Obsoletes: "passwd", Getopt: "p", ValueName: "password", Secret: true,
		Short: "Login password or passphrase"},
	"password_script": {Name: "password_script", Obsoletes: "passwd_script", Getopt: "S", ValueName: "script",
		Short: "Script to run to retrieve password"},
	"ssl": {Name: "ssl", Getopt: "z", Kind: param.Boolean, Short: "Use SSL connection with verifying certificate"},
	"ssl_secure": {Name: "ssl_secure", Kind: param.Boolean,
		Short: "Use SSL connection with verifying certificate"},
	"ssl_insecure": {Name: "ssl_insecure", Kind: param.Boolean,
		Short: "Use SSL connection without verifying certificate"},
	"separator": {Name: "separator", Getopt: "C", ValueName: "char", Default: ",",
		Short: "Separator for CSV created by 'list' operation"},
	"quiet": {Name: "quiet", Getopt: "q", Kind: param.Boolean,
		Short: "Disable logging to stderr. Does not affect --verbose or --debug-file or logging to syslog."},
	"verbose": {Name: "verbose", Getopt: "v", Kind: param.Boolean,
		Short: "Verbose mode. Multiple -v flags can be stacked on the command line (e.g., -vvv) to increase verbosity."},
	"verbose_level": {Name: "verbose_level", Kind: param.Integer,
		Short: "Level of debugging detail in output. Defaults to the number of --verbose flags specified on the command line, or to 1 if verbose=1 in a stonith device configuration (i.e., on stdin)."},
	"debug_file": {Name: "debug_file", Obsoletes: "debug", Getopt: "D", ValueName: "debugfile",
		Short: "Write debug information to given file"},
	"version": {Name: "version", Getopt: "V", Kind: param.Boolean, Short: "Display version information and exit"},
	"help":    {Name: "help", Getopt: "h", Kind: param.Boolean, Short: "Display help and exit"},
	"plug_separator": {Name: "plug_separator", ValueName: "char", Default: ",",
		Short: "Separator for plug parameter when specifying more than 1 plug"},
	"delay": {Name: "delay", ValueName: "seconds", Kind: param.Seconds, Default: "0",
		Short: "Wait X seconds before fencing is started"},
	"disable_timeout": {Name: "disable_timeout", ValueName: "true/false", Kind: param.Boolean,
		Short: "Disable timeout (true/false) (default: true when run from Pacemaker 2.0+)"},
	"login_timeout": {Name: "login_timeout", ValueName: "seconds", Kind: param.Seconds, Default: "5",
		Short: "Wait X seconds for cmd prompt after login"},
	"power_timeout": {Name: "power_timeout", ValueName: "seconds", Kind: param.Seconds, Default: "20",
		Short: "Test X seconds for status change after ON/OFF"},
	"power_wait": {Name: "power_wait", ValueName: "seconds", Kind: param.Seconds, Default: "0",
		Short: "Wait X seconds after issuing ON/OFF"},
	"shell_timeout": {Name: "shell_timeout", ValueName: "seconds", Kind: param.Seconds, Default: "3",
		Short: "Wait X seconds for cmd prompt after issuing command"},
	"stonith_status_sleep": {Name: "stonith_status_sleep", ValueName: "seconds", Kind: param.Seconds, Default: "1",
		Short: "Sleep X seconds between status calls during a STONITH action"},
	"retry_on": {Name: "retry_on", ValueName: "attempts", Kind: param.Integer, Default: "1", Min: retryMin, Max: retryMax,
		Short: "Count of attempts to retry power on"},
}

// dependencies mirror fence-agents' DEPENDENCY_OPT: taking one option brings its companions.
var dependencies = map[string][]string{
	"password": {"password_script"},
	"ip":       {"ipport"},
	"plug":     {"separator"},
	"ssl":      {"ssl_secure", "ssl_insecure"},
}

// declare returns the agent's full parameter list: standard ones first as fence-agents orders
// them, then the agent's own. Defaults and required flags are the agent's.
func (a *Agent) declare() []param.Param {
	names := append([]string{}, always...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, n := range a.Options {
		for _, m := range append([]string{n}, dependencies[n]...) {
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	var out []param.Param
	for _, n := range names {
		p, ok := standard[n]
		if !ok {
			panic("fence: unknown standard option " + n) // declaration error, caught by the agent's tests
		}
		if d, ok := a.Defaults[n]; ok {
			p.Default = d
		}
		for _, r := range a.Required {
			if r == n {
				p.Required = true
			}
		}
		out = append(out, p)
	}
	return append(out, a.Params...)
}
