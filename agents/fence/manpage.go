package fence

import (
	"fmt"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// manpage renders a section 8 man page in the layout of fence-agents' fence2man.xsl.
func manpage(a *Agent, decls []param.Param) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH %s 8 \"\" \"flock agents %s\" \"Fence agents\"\n", strings.ToUpper(a.Name), a.Version)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", a.Name, roff(a.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n[\\fIOPTION\\fR]...\n", a.Name)
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", a.Long)
	fmt.Fprintf(&b, ".P\n%s accepts options on the command line as well as from stdin. Fenced sends parameters through stdin when it executes the agent; %s can be run by itself with command line options. This is useful for testing.\n", a.Name, a.Name)
	if a.VendorURL != "" {
		fmt.Fprintf(&b, ".P\nVendor URL: %s\n", a.VendorURL)
	}
	b.WriteString(".SH OPTIONS\n")
	for _, d := range decls {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s", roff(getopt(d)), roff(d.Short))
		if d.Required {
			b.WriteString(" This parameter is always required.")
		}
		if d.Default != "" {
			fmt.Fprintf(&b, " (Default Value: %s)", roff(d.Default))
		}
		if len(d.Choices) > 0 {
			fmt.Fprintf(&b, " (One of: %s)", roff(strings.Join(d.Choices, ", ")))
		}
		b.WriteString("\n")
	}
	b.WriteString(".SH ACTIONS\n")
	for _, act := range actions {
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s\n", act, actionHelp[act])
	}
	b.WriteString(".SH STDIN PARAMETERS\n")
	for _, d := range decls {
		for _, n := range []string{d.Name, d.Obsoletes} {
			if n == "" {
				continue
			}
			fmt.Fprintf(&b, ".TP\n.B %s\n%s", n, roff(d.Short))
			if n == d.Obsoletes {
				fmt.Fprintf(&b, " Obsoleted by %s.", d.Name)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(".SH EXIT STATUS\n0 success (status: on), 1 failure, 2 status: off.\n")
	return b.String()
}

var actionHelp = map[string]string{
	"on": "Power on machine.", "off": "Power off machine.", "reboot": "Reboot machine.",
	"status":      "This returns the status of the plug/virtual machine.",
	"list":        "List available plugs with aliases/virtual machines if there is support for more then one device. Returns N/A otherwise.",
	"list-status": "List available plugs with aliases/virtual machines and their power state if it can be obtained without additional commands.",
	"monitor":     "Check the health of fence device", "metadata": "Display the XML metadata describing this resource.",
	"manpage": "The operational behavior of this is not known.", "validate-all": "Validate if all required parameters are entered.",
}

func roff(s string) string { return strings.ReplaceAll(s, "-", "\\-") }

// usage prints --help in fence-agents' layout.
func usage(a *Agent, p *sysio.Proc, decls []param.Param) {
	w := p.Stdout
	fmt.Fprintf(w, "Usage:\n\t%s [options]\nOptions:\n", a.Name)
	for _, d := range decls {
		line := getopt(d)
		fmt.Fprintf(w, "   %-40s %s\n", line, d.Short)
	}
	fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(manMarkup.Replace(a.Long)))
}
