package ocf

import (
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/isard-vdi/flock-agents/agents/param"
)

// MetaData renders the agent's OCF 1.1 meta-data. It validates against the official OCF 1.1
// RNG (ClusterLabs/OCF-spec ra/1.1/ra-api.rng) and pcs's relaxed one; see the package
// documentation for resource-agents' older DTD and RNG, which no OCF 1.1 meta-data passes.
func (a *Agent) MetaData() string {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0"`)
	root := doc.CreateElement("resource-agent")
	root.CreateAttr("name", a.Name)
	if a.Version != "" {
		root.CreateAttr("version", a.Version)
	}
	root.CreateElement("version").SetText("1.1")
	describe(root, a.Short, a.Long)

	params := root.CreateElement("parameters")
	for _, p := range a.Params {
		parameter(params, p)
	}

	actions := root.CreateElement("actions")
	for _, name := range a.actionNames() {
		if name == "monitor" {
			for _, m := range a.monitors() {
				e := action(actions, name, m.Timeout)
				e.CreateAttr("interval", seconds(m.Interval))
				e.CreateAttr("depth", strconv.Itoa(m.Depth))
				if m.Role != "" {
					e.CreateAttr("role", m.Role)
				}
			}
			continue
		}
		action(actions, name, a.timeout(name))
	}
	doc.Indent(2)
	s, _ := doc.WriteToString() // writing to memory does not fail
	return s
}

// describe adds longdesc then shortdesc, the order the 1.1 RNG requires; longdesc is
// mandatory for parameters, so a one-line description stands in for a missing long one.
func describe(e *etree.Element, short, long string) {
	if long == "" {
		long = short
	}
	l := e.CreateElement("longdesc")
	l.CreateAttr("lang", "en")
	l.SetText(long)
	s := e.CreateElement("shortdesc")
	s.CreateAttr("lang", "en")
	s.SetText(short)
}

func parameter(parent *etree.Element, p param.Param) {
	e := parent.CreateElement("parameter")
	e.CreateAttr("name", p.Name)
	// pcs reads only unique-group from 1.1 meta-data, so a lone unique parameter is its own
	// group (what pcs itself does when it reads a 1.0 agent's unique="1").
	group := p.UniqueGroup
	if group == "" && p.Unique {
		group = p.Name
	}
	if group != "" {
		e.CreateAttr("unique-group", group)
	}
	if p.Unique {
		e.CreateAttr("unique", "1") // deprecated in 1.1, kept for older readers
	}
	e.CreateAttr("required", bit(p.Required))
	if p.Reloadable {
		e.CreateAttr("reloadable", "1")
	}
	describe(e, p.Short, p.Long)
	c := e.CreateElement("content")
	c.CreateAttr("type", contentType(p.Kind))
	for _, o := range p.Choices {
		c.CreateElement("option").CreateAttr("value", o)
	}
	if p.Default != "" {
		c.CreateAttr("default", p.Default)
	}
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

func action(parent *etree.Element, name string, timeout time.Duration) *etree.Element {
	e := parent.CreateElement("action")
	e.CreateAttr("name", name)
	e.CreateAttr("timeout", seconds(timeout))
	return e
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
