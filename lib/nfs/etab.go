package nfs

import (
	"fmt"
	"slices"
	"strings"
)

// Etab is the path of exportfs's table of what is exported, which rpc.mountd serves to the
// kernel. It lives under /var/lib/nfs, so with the state directory bound there it is the
// shared one.
const Etab = "/var/lib/nfs/etab"

// EtabEntry is one line of etab: a path exported to one client, with every option exportfs
// settled on (the given ones and the defaults).
type EtabEntry struct {
	Path, Client string
	Options      []string
}

func (h EtabEntry) String() string { return h.Client + ":" + h.Path }

// Names are the entries as CLIENT:PATH, for messages.
func Names(hs []EtabEntry) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

// ParseEtab reads etab ("PATH\tCLIENT(OPTIONS)" per line). Paths with unusual characters are
// octal-escaped by exportfs; ours are checked to have none.
func ParseEtab(data []byte) ([]EtabEntry, error) {
	var out []EtabEntry
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		path, spec, ok := strings.Cut(line, "\t")
		client, options, parsed := splitClient(spec)
		if !ok || !parsed {
			return nil, fmt.Errorf("etab line %d is not PATH<TAB>CLIENT(OPTIONS): %q", n+1, line)
		}
		out = append(out, EtabEntry{Path: path, Client: client, Options: strings.Split(options, ",")})
	}
	return out, nil
}

// Missing compares configured exports with etab: what is configured and not exported as
// configured (each given option among the live ones), and what is exported but not configured.
func Missing(want []Export, have []EtabEntry) (missing []string, extra []EtabEntry) {
	matched := make([]bool, len(have))
	for _, e := range want {
		for _, c := range e.Clients {
			key := c.Host + ":" + e.Path
			i := slices.IndexFunc(have, func(h EtabEntry) bool { return h.Path == e.Path && sameClient(c.Host, h.Client) })
			if i < 0 {
				missing = append(missing, key+" not exported")
				continue
			}
			matched[i] = true
			for _, o := range c.Options {
				if !slices.Contains(have[i].Options, o) {
					missing = append(missing, fmt.Sprintf("%s exported without %s", key, o))
				}
			}
		}
	}
	for i, h := range have {
		if !matched[i] {
			extra = append(extra, h)
		}
	}
	return missing, extra
}

// sameClient reports live (etab's client) to be the configured client conf: the same, or conf
// a short host name that exportfs recorded by its canonical name (conf.domain).
func sameClient(conf, live string) bool {
	return conf == live || !strings.ContainsAny(conf, ".:/*?[@") && strings.HasPrefix(live, conf+".")
}
