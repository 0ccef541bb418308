package ocf

import (
	"fmt"
	"strconv"
	"time"

	"github.com/isard-vdi/flock-agents/agents/metaxml"
	"github.com/isard-vdi/flock-agents/agents/param"
)

// MetaData renders the agent's OCF 1.1 meta-data. It validates against the official OCF 1.1
// RNG (ClusterLabs/OCF-spec ra/1.1/ra-api.rng) and pcs's relaxed one; see the package
// documentation for resource-agents' older DTD and RNG, which no OCF 1.1 meta-data passes.
func (a *Agent) MetaData() string {
	d := metaxml.New("  ")
	d.Start("resource-agent", "name", a.Name)
	if a.Version != "" {
		d.Attr("version", a.Version)
	}
	d.Leaf("version", "1.1")
	describe(d, a.Short, a.Long)

	d.Start("parameters")
	for _, p := range a.Params {
		parameter(d, p)
	}
	d.End()

	d.Start("actions")
	for _, name := range a.actionNames() {
		if name == "monitor" {
			for _, m := range a.monitors() {
				d.Start("action", "name", name, "timeout", seconds(m.Timeout), "interval", seconds(m.Interval),
					"depth", strconv.Itoa(m.Depth))
				if m.Role != "" {
					d.Attr("role", m.Role)
				}
				d.End()
			}
			continue
		}
		d.Leaf("action", "", "name", name, "timeout", seconds(a.timeout(name)))
	}
	return d.String()
}

// describe adds longdesc then shortdesc, the order the 1.1 RNG requires; longdesc is
// mandatory for parameters, so a one-line description stands in for a missing long one.
func describe(d *metaxml.Doc, short, long string) {
	if long == "" {
		long = short
	}
	d.Leaf("longdesc", long, "lang", "en")
	d.Leaf("shortdesc", short, "lang", "en")
}

func parameter(d *metaxml.Doc, p param.Param) {
	d.Start("parameter", "name", p.Name)
	// pcs reads only unique-group from 1.1 meta-data, so a lone unique parameter is its own
	// group (what pcs itself does when it reads a 1.0 agent's unique="1").
	group := p.UniqueGroup
	if group == "" && p.Unique {
		group = p.Name
	}
	if group != "" {
		d.Attr("unique-group", group)
	}
	if p.Unique {
		d.Attr("unique", "1") // deprecated in 1.1, kept for older readers
	}
	d.Attr("required", bit(p.Required))
	if p.Reloadable {
		d.Attr("reloadable", "1")
	}
	describe(d, p.Short, p.Long)
	d.Start("content", "type", contentType(p.Kind))
	if p.Default != "" {
		d.Attr("default", p.Default)
	}
	for _, o := range p.Choices {
		d.Leaf("option", "", "value", o)
	}
	d.End()
	d.End()
}

// contentType maps kinds onto the only types OCF 1.1 knows (boolean, string, integer, select).
// Durations and decimal seconds travel as strings; their long description says the format.
func contentType(k param.Kind) string {
	switch k {
	case param.Integer:
		return "integer"
	case param.Boolean:
		return "boolean"
	case param.Select:
		return "select"
	}
	return "string"
}

// seconds renders a duration as whole seconds, rounded up: an advertised timeout must not be
// shorter than the one declared.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
