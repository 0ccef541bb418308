package fence

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/urfave/cli/v2"
)

// urfave/cli answers -h/--help itself, before any action runs and even with HideHelp, so our
// own help option never reached Run and -h printed nothing. Switch its help flag off.
func init() { cli.HelpFlag = nil }

// parseArgs reads getopt-style options (-o status, --action=status, -vvv) into canonical names.
func parseArgs(args []string, decls []param.Param) (input, error) {
	in := input{raw: map[string]string{}}
	var flags []cli.Flag
	verbose := 0
	for _, d := range decls {
		long := strings.ReplaceAll(d.Name, "_", "-")
		var aliases []string
		if d.Getopt != "" {
			aliases = []string{d.Getopt}
		}
		switch {
		case d.Name == "verbose":
			flags = append(flags, &cli.BoolFlag{Name: long, Aliases: aliases, Count: &verbose})
		case d.Kind == param.Boolean && d.ValueName == "":
			flags = append(flags, &cli.BoolFlag{Name: long, Aliases: aliases})
		default:
			flags = append(flags, &cli.StringFlag{Name: long, Aliases: aliases})
		}
	}
	app := &cli.App{
		Flags: flags, HideHelp: true, HideVersion: true, Writer: io.Discard, ErrWriter: io.Discard,
		UseShortOptionHandling: true,
		OnUsageError:           func(_ *cli.Context, err error, _ bool) error { return err },
		ExitErrHandler:         func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			for _, d := range decls {
				long := strings.ReplaceAll(d.Name, "_", "-")
				if !c.IsSet(long) {
					continue
				}
				if d.Kind == param.Boolean && d.ValueName == "" {
					// The flag parser accepts --ssl-insecure=false: honour the value, do not
					// read it as "given, so on".
					in.raw[d.Name] = map[bool]string{true: "1", false: "0"}[c.Bool(long)]
				} else {
					in.raw[d.Name] = c.String(long)
				}
			}
			if c.Args().Len() > 0 {
				in.warnings = append(in.warnings, fmt.Sprintf("Parse error: Ignoring extra arguments %q", c.Args().Slice()))
			}
			return nil
		},
	}
	if err := app.Run(append([]string{"agent"}, args...)); err != nil {
		return in, usageError(err)
	}
	in.verbose = verbose
	if verbose > 0 {
		if _, ok := in.raw["verbose_level"]; !ok {
			in.raw["verbose_level"] = fmt.Sprint(verbose)
		}
	}
	return in, nil
}

// usageError turns urfave's messages into getopt's terse ones.
func usageError(err error) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return fmt.Errorf("Parser error: option %s is not recognized", f)
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Errorf("Parser error: option %s requires an argument", f)
	}
	return errors.New("Parser error: " + msg)
}
