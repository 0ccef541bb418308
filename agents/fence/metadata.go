package fence

import (
	"strings"

	"github.com/isard-vdi/flock-agents/agents/metaxml"
	"github.com/isard-vdi/flock-agents/agents/param"
)

// manMarkup is what fence-agents strips from longdesc for meta-data (kept for the man page):
// \f[BPIR], and .P, .TP, .br with the newline that ends them. A replacer, not a regexp: it
// is built on first use, not at every start of the agent.
var manMarkup = strings.NewReplacer(`\fB`, "", `\fP`, "", `\fI`, "", `\fR`, "",
	".P\n", "", ".P", "", ".TP\n", "", ".TP", "", ".br\n", "", ".br", "")

// metadata renders fence-agents' format: each renamed option twice, the new name with
// obsoletes="old" and the old one with deprecated="1", so old and new configurations both
// validate in pcs (fence-agents lib/fencing.py metadata()).
func metadata(a *Agent, decls []param.Param, keepMarkup bool) string {
	d := metaxml.New("\t")
	d.Start("resource-agent", "name", a.Name, "shortdesc", a.Short)
	long := a.Long
	if !keepMarkup {
		long = manMarkup.Replace(long)
	}
	d.Leaf("longdesc", long)
	d.Leaf("vendor-url", a.VendorURL)
	d.Start("parameters")
	for _, p := range decls {
		if p.Obsoletes == "" {
			parameter(d, p, p.Name)
			continue
		}
		parameter(d, p, p.Name, "obsoletes", p.Obsoletes)
		parameter(d, p, p.Obsoletes, "deprecated", "1")
	}
	d.End()
	d.Start("actions")
	for _, name := range actions {
		d.Start("action", "name", name)
		if name == "on" {
			d.Attr("automatic", "0") // a power switch does not unfence by itself
		}
		d.End()
	}
	return d.String()
}

// parameter writes one option under name; extra are attributes after the standard ones.
func parameter(d *metaxml.Doc, p param.Param, name string, extra ...string) {
	d.Start("parameter", "name", name, "unique", bit(p.Unique), "required", bit(p.Required))
	for i := 0; i+1 < len(extra); i += 2 {
		d.Attr(extra[i], extra[i+1])
	}
	d.Leaf("getopt", "", "mixed", getopt(p))
	d.Start("content", "type", p.TypeName())
	if p.Default != "" {
		d.Attr("default", p.Default)
	}
	for _, o := range p.Choices {
		d.Leaf("option", "", "value", o)
	}
	d.End()
	d.Leaf("shortdesc", p.Short, "lang", "en")
	d.End()
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// getopt renders "-a, --ip=[ip]" as fence-agents shows options.
func getopt(d param.Param) string {
	long := "--" + strings.ReplaceAll(d.Name, "_", "-")
	if d.ValueName != "" {
		long += "=[" + d.ValueName + "]"
	}
	if d.Getopt != "" {
		return "-" + d.Getopt + ", " + long
	}
	return long
}
