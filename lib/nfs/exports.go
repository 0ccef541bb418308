package nfs

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
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
			case !validFSID(id):
				return nil, fmt.Errorf("export %s: fsid=%s is not a number, a UUID or root", e.Path, id)
			case fsid != "" && fsidKey(id) != fsidKey(fsid):
				return nil, fmt.Errorf("export %s: every client needs the same fsid (%s, %s)", e.Path, fsid, id)
			}
			fsid = id
			if slices.ContainsFunc(e.Clients, func(o Client) bool { return o.Host == c.Host }) {
				return nil, fmt.Errorf("export %s: client %s is listed twice", e.Path, c.Host)
			}
			e.Clients = append(e.Clients, c)
		}
		if other, ok := fsids[fsidKey(fsid)]; ok {
			return nil, fmt.Errorf("exports %s and %s have the same fsid %s", other, e.Path, fsid)
		}
		fsids[fsidKey(fsid)] = e.Path
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no export (want PATH CLIENT(OPTIONS)..., one per line or separated by ;)")
	}
	return out, nil
}

// fsidKey is what the kernel tells fsids apart by: the number, or the UUID's hex digits.
func fsidKey(id string) string {
	if len(id) >= 32 {
		return strings.ToLower(strings.ReplaceAll(id, "-", ""))
	}
	return strings.TrimPrefix(exportfsSpelling("fsid="+id), "fsid=")
}

func parseClient(path, spec string) (Client, error) {
	host, options, ok := splitClient(spec)
	if !ok {
		return Client{}, fmt.Errorf("export %s: %q is not CLIENT(OPTIONS)", path, spec)
	}
	// etab lists an IPv6 client bare, as exports(5) writes it; brackets are for exportfs's
	// CLIENT:PATH argument alone.
	c := Client{Host: strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")}
	for _, o := range strings.Split(options, ",") {
		if !validOption(o) {
			return Client{}, fmt.Errorf("export %s %s: option %q is not NAME or NAME=VALUE", path, c.Host, o)
		}
		c.Options = append(c.Options, exportfsSpelling(o))
	}
	return c, nil
}

// aliases are the option names exportfs records under another name (nfs-utils putexportent).
var aliases = map[string]string{"mp": "mountpoint", "auth_nlm": "secure_locks", "no_auth_nlm": "insecure_locks"}

// exportfsSpelling is option o as exportfs writes it into etab: the name it records, numbers
// in decimal without leading zeros, fsid=root as fsid=0. Comparing the configured options
// with etab needs this spelling; a check of the given one would never find them exported.
func exportfsSpelling(o string) string {
	name, val, hasVal := strings.Cut(o, "=")
	if a, ok := aliases[name]; ok {
		name = a
	}
	switch {
	case !hasVal:
		return name
	case name == "fsid" && val == "root":
		val = "0"
	case name == "fsid" || name == "anonuid" || name == "anongid":
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			val = strconv.FormatInt(n, 10)
		}
	}
	return name + "=" + val
}

// ExportArgv applies one client's export without reading /etc/exports (-i), so nothing stale
// from there comes along.
func ExportArgv(e Export, c Client) []string {
	return []string{"exportfs", "-i", "-o", strings.Join(c.Options, ","), target(c.Host, e.Path)}
}

// UnexportArgv withdraws one live export (an etab entry, whose IPv6 client is bare).
func UnexportArgv(h EtabEntry) []string {
	return []string{"exportfs", "-u", target(h.Client, h.Path)}
}

// target is exportfs's CLIENT:PATH, an IPv6 client in brackets (bare, exportfs takes the
// address up to its first colon as the client).
func target(host, path string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + path
	}
	return host + ":" + path
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
