package fence

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
)

// parseArgs reads getopt-style options (-o status, -ostatus, --action=status, -vvv) into
// canonical names. It is written out rather than built on a flag library: the one we had
// (urfave/cli) brought text/template, whose reflection keeps every exported method of the
// binary alive, 2.3 MB of fence_espurna's 10, and set up its flag set before the first byte.
// As Go's flag package, a long name takes one dash or two and a boolean takes "=false".
func parseArgs(args []string, decls []param.Param) (input, error) {
	in := input{raw: map[string]string{}}
	byName := map[string]*param.Param{}
	for i := range decls {
		d := &decls[i]
		byName[strings.ReplaceAll(d.Name, "_", "-")] = d
		if d.Getopt != "" {
			byName[d.Getopt] = d
		}
	}
	verbose := 0
	// set records one option; value is nil for a flag given without "=".
	set := func(d *param.Param, spelled string, value *string) error {
		if d.Name == "verbose" && value == nil {
			verbose++
		}
		if d.Kind == param.Boolean && d.ValueName == "" {
			b := true
			if value != nil {
				var err error
				if b, err = strconv.ParseBool(*value); err != nil {
					return fmt.Errorf("Parser error: invalid boolean value %q for -%s", *value, spelled)
				}
			}
			// --ssl-insecure=false is honoured, not read as "given, so on".
			in.raw[d.Name] = map[bool]string{true: "1", false: "0"}[b]
			return nil
		}
		in.raw[d.Name] = *value
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			if i < len(args) {
				in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring extra arguments %q", args[i:]))
			}
			break
		}
		if len(a) < 2 || a[0] != '-' {
			in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring extra arguments %q", args[i:]))
			break
		}
		name := strings.TrimPrefix(a[1:], "-")
		var value *string
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value = k, &v
		}
		d := byName[name]
		if name == "" || strings.HasPrefix(name, "-") || (d == nil && a[1] == '-') {
			return in, fmt.Errorf("Parser error: option -%s is not recognized", name)
		}
		if d == nil { // a cluster of short options: -vvv, -ostatus
			if err := shortCluster(a[1:], byName, set, &args, &i); err != nil {
				return in, err
			}
			continue
		}
		if value == nil && !(d.Kind == param.Boolean && d.ValueName == "") {
			if i+1 >= len(args) {
				return in, fmt.Errorf("Parser error: option -%s requires an argument", name)
			}
			i++
			value = &args[i]
		}
		if err := set(d, name, value); err != nil {
			return in, err
		}
	}
	in.verbose = verbose
	if verbose > 0 {
		if _, ok := in.raw["verbose_level"]; !ok {
			in.raw["verbose_level"] = fmt.Sprint(verbose)
		}
	}
	return in, nil
}

// shortCluster reads -vvv or -ostatus: single-letter flags, the first one that takes a value
// taking the rest of the word (or, at its end, the next argument) as getopt does.
func shortCluster(word string, byName map[string]*param.Param, set func(*param.Param, string, *string) error, args *[]string, i *int) error {
	for j := 0; j < len(word); j++ {
		c := word[j : j+1]
		d := byName[c]
		if d == nil || d.Getopt != c {
			return fmt.Errorf("Parser error: option -%s is not recognized", c)
		}
		if d.Kind == param.Boolean && d.ValueName == "" {
			if err := set(d, c, nil); err != nil {
				return err
			}
			continue
		}
		v := word[j+1:]
		if v == "" {
			if *i+1 >= len(*args) {
				return fmt.Errorf("Parser error: option -%s requires an argument", c)
			}
			*i++
			v = (*args)[*i]
		}
		return set(d, c, &v)
	}
	return nil
}
