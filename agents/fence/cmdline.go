package fence

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// parseArgs reads options as fence-agents' getopt.gnu_getopt does: words that are not options
// do not end option parsing (they are skipped, so `stray -o status` is a status), "--" does;
// -pVALUE, -p VALUE, -vpVALUE clusters, --name=VALUE, --name VALUE and unique prefixes of long
// names. Every value given to a secret option is collected before anything can be printed,
// even when parsing fails, and no error or warning repeats a value.
func parseArgs(args []string, decls []param.Param) (input, error) {
	in := input{raw: map[string]string{}}
	long := map[string]param.Param{}
	short := map[byte]param.Param{}
	for _, d := range decls {
		long[strings.ReplaceAll(d.Name, "_", "-")] = d
		if len(d.Getopt) == 1 {
			short[d.Getopt[0]] = d
		}
	}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	set := func(d param.Param, v string) {
		if d.Secret {
			in.secrets = append(in.secrets, v)
		}
		in.secrets = append(in.secrets, urlSecrets(v)...)
		in.raw[d.Name] = v
	}
	extra := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			extra += len(args) - i - 1
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, v, hasV := strings.Cut(a[2:], "=")
			d, err := lookupLong(long, name)
			if err != nil {
				fail(err)
				if hasV {
					in.secrets = append(in.secrets, v) // an unknown option's value may be a secret
				}
				continue
			}
			switch {
			case takesNoValue(d) && hasV:
				b, ok := param.ParseBool(v)
				if !ok {
					fail(fmt.Errorf("Parser error: option --%s takes no argument", name))
					continue
				}
				in.raw[d.Name] = map[bool]string{true: "1", false: "0"}[b]
			case takesNoValue(d):
				flag(&in, d)
			case hasV:
				set(d, v)
			case i+1 < len(args):
				i++
				set(d, args[i])
			default:
				fail(fmt.Errorf("Parser error: option --%s requires an argument", name))
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				d, ok := short[a[j]]
				if !ok {
					fail(fmt.Errorf("Parser error: option -%c is not recognized", a[j]))
					in.secrets = append(in.secrets, a[j+1:]) // what follows may be its value
					break
				}
				if takesNoValue(d) {
					flag(&in, d)
					continue
				}
				switch {
				case j+1 < len(a):
					set(d, a[j+1:])
				case i+1 < len(args):
					i++
					set(d, args[i])
				default:
					fail(fmt.Errorf("Parser error: option -%c requires an argument", a[j]))
				}
				break
			}
		default:
			extra++ // gnu_getopt leaves it for the program, which ignores it
		}
	}
	if extra > 0 {
		// Never the words themselves: one may be a secret given to an option we do not know.
		in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring %d extra argument(s)", extra))
	}
	if in.verbose > 0 {
		if _, ok := in.raw["verbose_level"]; !ok {
			in.raw["verbose_level"] = fmt.Sprint(in.verbose)
		}
	}
	return in, first
}

func takesNoValue(d param.Param) bool { return d.Kind == param.Boolean && d.ValueName == "" }

// flag records a boolean option given without a value; -v counts.
func flag(in *input, d param.Param) {
	in.raw[d.Name] = "1"
	if d.Name == "verbose" {
		in.verbose++
	}
}

// lookupLong finds a long option by its name or, as getopt does, a unique prefix of it.
func lookupLong(long map[string]param.Param, name string) (param.Param, error) {
	if d, ok := long[name]; ok {
		return d, nil
	}
	var found []param.Param
	for n, d := range long {
		if name != "" && strings.HasPrefix(n, name) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return param.Param{}, fmt.Errorf("Parser error: option --%s is not recognized", name)
	}
	return param.Param{}, fmt.Errorf("Parser error: option --%s is not a unique prefix", name)
}

// urlSecrets returns the user-info of a URL value (tcp://user:pw@broker) and its password in
// every form: never printed.
func urlSecrets(v string) []string {
	info, pw, ok := sysio.URLUserInfo(v)
	if !ok {
		return nil
	}
	out := []string{info, pw}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if dec, ok := u.User.Password(); ok {
			out = append(out, dec) // p%40ss is p@ss to paho
		}
	}
	return out
}
