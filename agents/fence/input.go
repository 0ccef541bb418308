package fence

import (
	"fmt"
	"io"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
)

// input is what the caller asked for, before checking: raw values by canonical name.
type input struct {
	raw      map[string]string
	verbose  int // -v count on the command line
	nodename string
	warnings []string
	secrets  []string // values to redact from every output, known before anything is printed
}

// names maps every accepted spelling (new, old, '-' or '_') to the canonical parameter name.
func names(decls []param.Param) map[string]string {
	m := make(map[string]string, 4*len(decls))
	for _, d := range decls {
		for _, n := range []string{d.Name, d.Obsoletes} {
			if n != "" {
				m[n] = d.Name
				m[strings.ReplaceAll(n, "_", "-")] = d.Name
			}
		}
	}
	return m
}

// maxStdin bounds what we read: Pacemaker sends a few hundred bytes.
const maxStdin = 1 << 20

// parseStdin reads Pacemaker's key=value lines as the fence-agents library does: '#' comments and
// blank lines skipped, one pair of surrounding quotes stripped, the last occurrence wins, unknown
// keys warned about and ignored, "nodename" kept for logging. Input it cannot read whole is an
// error: what came before the cut would run as the request (no action= is a reboot, a plug list
// cut short fences one PSU of two).
func parseStdin(r io.Reader, decls []param.Param) (input, error) {
	in := input{raw: map[string]string{}}
	data, err := io.ReadAll(io.LimitReader(r, maxStdin+1))
	switch {
	case err != nil:
		return in, fmt.Errorf("Failed: reading stdin: %v", err)
	case len(data) > maxStdin:
		return in, fmt.Errorf("Failed: stdin holds more than %d KiB; Pacemaker sends a few hundred bytes, so this request is not acted on", maxStdin>>10)
	}
	canon := names(decls)
	kinds := make(map[string]param.Kind, len(decls))
	secret := make(map[string]bool, len(decls))
	for _, d := range decls {
		kinds[d.Name] = d.Kind
		secret[d.Name] = d.Secret
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, _ := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		name, ok := canon[key]
		if !ok {
			name, ok = canon[strings.ReplaceAll(key, "_", "-")]
		}
		// An unknown name may hold a secret too; nodename (the target, sent by fenced on every
		// call) is known: redacting it would blank the node's name out of every message.
		if secret[name] || !ok && key != "nodename" {
			in.secrets = append(in.secrets, val)
		}
		in.secrets = append(in.secrets, urlSecrets(val)...)
		switch {
		case key == "nodename":
			in.nodename = val
		case !ok:
			// Only the key: the value may be a secret under a name we do not know.
			in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring unknown option '%s'", key))
		case kinds[name] == param.Boolean:
			if b, ok := param.ParseBool(val); ok && val != "" {
				in.raw[name] = map[bool]string{true: "1", false: "0"}[b]
			} else {
				in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring option '%s' because it does not have value", key))
			}
		default:
			in.raw[name] = val
		}
	}
	if _, ok := in.raw["verbose_level"]; !ok && in.raw["verbose"] == "1" {
		in.raw["verbose_level"] = "1"
	}
	return in, nil
}
