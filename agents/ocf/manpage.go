package ocf

import (
	"fmt"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
)

// Provider is the OCF provider of every agent this runtime serves: ocf:flock:<Name>, installed
// as /usr/lib/ocf/resource.d/flock/<Name>.
const Provider = "flock"

// ManPage renders the agent's section 7 man page, ocf_flock_<Name>(7), from the declaration
// that meta-data comes from, in the shape resource-agents gives its own pages
// (ocf_heartbeat_IPaddr2(7), made from meta-data by its ra2refentry.xsl): the parameters with
// their attributes and defaults, the actions with their suggested timeouts, an example pcs
// command. The page has no date, so a build is reproducible.
func (a *Agent) ManPage() string {
	page := "ocf_" + Provider + "_" + a.Name
	var b strings.Builder
	ra := "ocf:" + Provider + ":" + a.Name
	source := ra
	if a.Version != "" {
		source += " " + a.Version
	}
	fmt.Fprintf(&b, ".TH %s 7 \"\" \"%s\" \"OCF resource agents\"\n", strings.ToUpper(page), roffText(source))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", page, roffText(a.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n\\fB%s\\fR [%s]\n", a.Name, roffText(strings.Join(a.actionNames(), " | ")))
	b.WriteString(".SH DESCRIPTION\n")
	paragraphs(&b, a.Long, ".PP\n", ".PP\n")

	b.WriteString(".SH SUPPORTED PARAMETERS\n")
	for _, p := range a.Params {
		fmt.Fprintf(&b, ".PP\n\\fB%s\\fR\n.RS 4\n", roffText(p.Name))
		long := p.Long
		if long == "" {
			long = p.Short
		}
		paragraphs(&b, long, "", ".sp\n")
		fmt.Fprintf(&b, ".sp\n(%s)\n.RE\n", roffText(attributes(p)))
	}

	b.WriteString(".SH SUPPORTED ACTIONS\n.PP\nThis resource agent supports the following actions (operations):\n")
	for _, name := range a.actionNames() {
		if name == "monitor" {
			for _, m := range a.monitors() {
				title := "monitor"
				if m.Role != "" {
					title += " (" + m.Role + " role)"
				}
				fmt.Fprintf(&b, ".PP\n\\fB%s\\fR\n.RS 4\n%s Suggested minimum timeout: %s. Suggested interval: %s. Check level (OCF_CHECK_LEVEL): %d.\n.RE\n",
					title, actionHelp[name], seconds(m.Timeout), seconds(m.Interval), m.Depth)
			}
			continue
		}
		fmt.Fprintf(&b, ".PP\n\\fB%s\\fR\n.RS 4\n%s Suggested minimum timeout: %s.\n.RE\n",
			roffText(name), actionHelp[name], seconds(a.timeout(name)))
	}

	b.WriteString(".SH \"EXAMPLE PCS\"\n.PP\nAn example configuration of an " + roffText(ra) +
		" resource with \\fBpcs\\fR(8), with the advertised monitors:\n.sp\n.RS 4\n.nf\n")
	b.WriteString(a.pcsExample())
	b.WriteString(".fi\n.RE\n")
	b.WriteString(".SH \"SEE ALSO\"\n.PP\n\\fBpcs\\fR(8), \\fBcrm_resource\\fR(8), \\fBocf\\-tester\\fR(8)\n")
	return b.String()
}

// pcsExample is the pcs command, in roff, that creates the resource with its required parameters and the
// advertised monitors, which pcs itself would copy from the meta-data.
func (a *Agent) pcsExample() string {
	lines := []string{roffText(fmt.Sprintf("pcs resource create p_%s ocf:%s:%s", a.Name, Provider, a.Name))}
	for _, p := range a.Params {
		if p.Required {
			lines = append(lines, fmt.Sprintf("  %s=\\fI%s\\fR", roffText(p.Name), contentType(p.Kind)))
		}
	}
	promotable := false
	for _, m := range a.monitors() {
		op := fmt.Sprintf("  op monitor OCF_CHECK_LEVEL=\"%d\" timeout=\"%s\" interval=\"%s\"", m.Depth, seconds(m.Timeout), seconds(m.Interval))
		if m.Role != "" {
			op += fmt.Sprintf(" role=\"%s\"", m.Role)
			promotable = true
		}
		lines = append(lines, op)
	}
	if promotable {
		lines[len(lines)-1] += " promotable"
	}
	return strings.Join(lines, " \\e\n") + "\n"
}

// attributes is the line resource-agents prints under each parameter: "(unique, required,
// string, no default)", "(optional, integer, default 50)". The type is the one meta-data gives,
// a select's choices after it: "select (flush|keep)".
func attributes(p param.Param) string {
	var at []string
	if p.Unique || p.UniqueGroup != "" {
		at = append(at, "unique")
	}
	if p.Required {
		at = append(at, "required")
	} else {
		at = append(at, "optional")
	}
	if p.Reloadable {
		at = append(at, "reloadable")
	}
	t := contentType(p.Kind)
	if p.Kind == param.Select {
		t += " (" + strings.Join(p.Choices, "|") + ")"
	}
	at = append(at, t)
	if p.Default == "" {
		at = append(at, "no default")
	} else {
		at = append(at, "default "+p.Default)
	}
	return strings.Join(at, ", ")
}

var actionHelp = map[string]string{
	"start": "Starts the resource.", "stop": "Stops the resource.",
	"monitor": "Performs a detailed status check.", "promote": "Promotes the resource.",
	"demote": "Demotes the resource.", "notify": "Used for notifications of clone and promotable resources.",
	"migrate_to": "Migrates the resource to another node.", "migrate_from": "Completes a migration from another node.",
	"reload-agent": "Applies changed reloadable parameters without a restart.",
	"meta-data":    "Retrieves resource agent metadata (internal use only).",
	"validate-all": "Performs a validation of the resource configuration.",
}

// paragraphs writes a text whose paragraphs are separated by blank lines, with first before
// the first paragraph and between before each of the others.
func paragraphs(b *strings.Builder, text, first, between string) {
	for i, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i == 0 {
			b.WriteString(first)
		} else {
			b.WriteString(between)
		}
		b.WriteString(roffText(strings.Join(strings.Fields(para), " ")) + "\n")
	}
}

// roffText escapes plain text for roff: backslashes and hyphens, and a leading dot or quote
// that would otherwise start a request.
func roffText(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
