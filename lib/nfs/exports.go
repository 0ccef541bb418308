package nfs

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Export is one exported directory and the clients it is exported to.
type Export struct {
	Path    string
	Clients []Client
}

// Client is one client specification (host, network, netgroup, wildcard) with its options.
type Client struct {
	Host    string
	Options []string
}

// FSID is the export's fsid= option (the same for each client, as ParseExports checks).
func (e Export) FSID() string {
	for _, o := range e.Clients[0].Options {
		if v, ok := strings.CutPrefix(o, "fsid="); ok {
			return v
		}
	}
	return ""
}

var (
	clientRe = regexp.MustCompile(`^([^\s()]+)\(([^\s()]*)\)$`)
	optionRe = regexp.MustCompile(`^[a-z_]+(=[A-Za-z0-9_:.,/@-]+)?$`)
	fsidRe   = regexp.MustCompile(`^(root|[0-9]+|[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$`)
)

// ParseExports reads exports in /etc/exports syntax, one export a line or separated by ";":
// PATH CLIENT(OPTIONS) [CLIENT(OPTIONS)...]. Every client needs options, and among them the same
// fsid=, so the file handles clients hold stay valid on whichever node serves them next; fsids
// and paths must be unique.
func ParseExports(s string) ([]Export, error) {
	var out []Export
	paths, fsids := map[string]bool{}, map[string]string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ';' }) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		e := Export{Path: f[0]}
		if !strings.HasPrefix(e.Path, "/") || filepath.Clean(e.Path) != e.Path || e.Path == "/" {
			return nil, fmt.Errorf("export %q: the path must be absolute, clean and not /", e.Path)
		}
		if paths[e.Path] {
			return nil, fmt.Errorf("export %s is listed twice", e.Path)
		}
		paths[e.Path] = true
		if len(f) == 1 {
			return nil, fmt.Errorf("export %s: no client (want PATH CLIENT(OPTIONS)...)", e.Path)
		}
		fsid := ""
		for _, spec := range f[1:] {
			c, err := parseClient(e.Path, spec)
			if err != nil {
				return nil, err
			}
			id := ""
			for _, o := range c.Options {
				if v, ok := strings.CutPrefix(o, "fsid="); ok {
					id = v
				}
			}
			switch {
			case id == "":
				return nil, fmt.Errorf("export %s %s: fsid= is required, so clients' file handles survive a move", e.Path, c.Host)
			case !fsidRe.MatchString(id):
				return nil, fmt.Errorf("export %s: fsid=%s is not a number, a UUID or root", e.Path, id)
			case fsid != "" && id != fsid:
				return nil, fmt.Errorf("export %s: every client needs the same fsid (%s, %s)", e.Path, fsid, id)
			}
			fsid = id
			if slices.ContainsFunc(e.Clients, func(o Client) bool { return o.Host == c.Host }) {
				return nil, fmt.Errorf("export %s: client %s is listed twice", e.Path, c.Host)
			}
			e.Clients = append(e.Clients, c)
		}
		if other, ok := fsids[strings.ToLower(fsid)]; ok {
			return nil, fmt.Errorf("exports %s and %s have the same fsid %s", other, e.Path, fsid)
		}
		fsids[strings.ToLower(fsid)] = e.Path
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no export (want PATH CLIENT(OPTIONS)..., one per line or separated by ;)")
	}
	return out, nil
}

func parseClient(path, spec string) (Client, error) {
	m := clientRe.FindStringSubmatch(spec)
	if m == nil {
		return Client{}, fmt.Errorf("export %s: %q is not CLIENT(OPTIONS)", path, spec)
	}
	c := Client{Host: m[1]}
	for _, o := range strings.Split(m[2], ",") {
		if !optionRe.MatchString(o) {
			return Client{}, fmt.Errorf("export %s %s: option %q is not NAME or NAME=VALUE", path, c.Host, o)
		}
		c.Options = append(c.Options, o)
	}
	return c, nil
}

// ExportArgv applies one client's export without reading /etc/exports (-i), so nothing stale
// from there comes along.
func ExportArgv(e Export, c Client) []string {
	return []string{"exportfs", "-i", "-o", strings.Join(c.Options, ","), c.Host + ":" + e.Path}
}

// UnexportArgv withdraws one client's export.
func UnexportArgv(e Export, c Client) []string {
	return []string{"exportfs", "-u", c.Host + ":" + e.Path}
}

// String renders exports as /etc/exports lines.
func String(exports []Export) string {
	var b strings.Builder
	for _, e := range exports {
		b.WriteString(e.Path)
		for _, c := range e.Clients {
			fmt.Fprintf(&b, " %s(%s)", c.Host, strings.Join(c.Options, ","))
		}
		b.WriteString("\n")
	}
	return b.String()
}
