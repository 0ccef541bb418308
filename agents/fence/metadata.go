package fence

import (
	"regexp"
	"strings"

	"github.com/beevik/etree"
	"github.com/isard-vdi/flock-agents/agents/param"
)

// manMarkup is what fence-agents strips from longdesc for meta-data (kept for the man page).
var manMarkup = regexp.MustCompile(`\\f[BPIR]|\.P\n?|\.TP\n?|\.br\n?`)

// metadata renders fence-agents' format: each renamed option twice, the new name with
// obsoletes="old" and the old one with deprecated="1", so old and new configurations both
// validate in pcs (fence-agents lib/fencing.py metadata()).
func metadata(a *Agent, decls []param.Param, keepMarkup bool) string {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0"`)
	ra := doc.CreateElement("resource-agent")
	ra.CreateAttr("name", a.Name)
	ra.CreateAttr("shortdesc", a.Short)
	long := a.Long
	if !keepMarkup {
		long = manMarkup.ReplaceAllString(long, "")
	}
	ra.CreateElement("longdesc").SetText(long)
	ra.CreateElement("vendor-url").SetText(a.VendorURL)
	params := ra.CreateElement("parameters")
	for _, d := range decls {
		el := parameter(params, d, d.Name)
		if d.Obsoletes != "" {
			el.CreateAttr("obsoletes", d.Obsoletes)
			parameter(params, d, d.Obsoletes).CreateAttr("deprecated", "1")
		}
	}
	acts := ra.CreateElement("actions")
	for _, name := range actions {
		act := acts.CreateElement("action")
		act.CreateAttr("name", name)
		if name == "on" {
			act.CreateAttr("automatic", "0") // a power switch does not unfence by itself
		}
	}
	doc.Indent(1)
	doc.IndentTabs()
	s, _ := doc.WriteToString()
	return s
}

func parameter(parent *etree.Element, d param.Param, name string) *etree.Element {
	el := parent.CreateElement("parameter")
	el.CreateAttr("name", name)
	el.CreateAttr("unique", bit(d.Unique))
	el.CreateAttr("required", bit(d.Required))
	el.CreateElement("getopt").CreateAttr("mixed", getopt(d))
	c := el.CreateElement("content")
	c.CreateAttr("type", d.TypeName())
	if d.Default != "" {
		c.CreateAttr("default", d.Default)
	}
	for _, o := range d.Choices {
		c.CreateElement("option").CreateAttr("value", o)
	}
	sd := el.CreateElement("shortdesc")
	sd.CreateAttr("lang", "en")
	sd.SetText(d.Short)
	return el
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
