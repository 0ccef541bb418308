package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is stamped by the Makefile.
var version = "dev"

// manpageCommand prints flock-sim(1), rendered from the same command and flag declarations
// that parse the command line, so the page cannot drift from the program. Hidden: the build
// runs it, users read the page.
var manpageCommand = &cli.Command{
	Name:   "manpage",
	Usage:  "print the flock-sim(1) man page",
	Hidden: true,
	Action: func(c *cli.Context) error { return manpage(c.App, c.App.Writer) },
}

func manpage(app *cli.App, w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH FLOCK\\-SIM 1 \"\" \"flock agents %s\" \"User Commands\"\n", roff(version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", roff(app.Name), roff(app.Usage))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n\\fICOMMAND\\fR [\\fIOPTION\\fR]... [\\fIARGUMENT\\fR]...\n", roff(app.Name))
	b.WriteString(".SH DESCRIPTION\n" + roff(description) + "\n")
	b.WriteString(".SH COMMANDS\n")
	for _, cmd := range app.VisibleCommands() {
		fmt.Fprintf(&b, ".SS \"%s %s\"\n%s.\n", roff(cmd.Name), roff(cmd.ArgsUsage), roff(cmd.Usage))
		if cmd.Description != "" {
			b.WriteString(".PP\n" + roff(strings.Join(strings.Fields(cmd.Description), " ")) + "\n")
		}
		for _, f := range cmd.VisibleFlags() {
			flag(&b, f)
		}
	}
	b.WriteString(".SH ENVIRONMENT\n" + environment + ".SH \"EXIT STATUS\"\n0 success, 1 failure (a replay that diverged, a bad argument).\n" +
		".SH \"SEE ALSO\"\n\\fBfence_espurna\\fR(8), \\fBocf_flock_writeboost\\fR(7)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// flag writes one option as .TP: its names, its value placeholder, its default and environment.
func flag(b *strings.Builder, f cli.Flag) {
	d, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return
	}
	var names []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			names = append(names, "\\-"+n)
		} else {
			names = append(names, "\\-\\-"+roff(n))
		}
	}
	placeholder, usage := unquote(d.GetUsage())
	head := "\\fB" + strings.Join(names, ", ") + "\\fR"
	if d.TakesValue() {
		if placeholder == "" {
			placeholder = "value"
		}
		head += " \\fI" + roff(placeholder) + "\\fR"
	}
	fmt.Fprintf(b, ".TP\n%s\n%s", head, roff(usage))
	if def := strings.Trim(d.GetDefaultText(), `"`); d.TakesValue() && def != "" {
		fmt.Fprintf(b, " (default: %s)", roff(def))
	}
	if env := d.GetEnvVars(); len(env) > 0 {
		fmt.Fprintf(b, " (environment: %s)", roff(strings.Join(env, ", ")))
	}
	b.WriteString("\n")
}

const description = `flock-sim runs the flock agents against a recorded world: every exchange an agent has with the world (HTTP, MQTT, programs it runs, files, the clock) passes through one seam, which can write it to a tape or answer it from one. A tape is readable text with secrets redacted. flock-sim records tapes from real runs, replays them against the agent binaries (CI replays the whole corpus), derives fault tapes from real ones, and emulates an ESPurna plug (HTTP API of every firmware generation, and MQTT) to fence against.`

const environment = `.TP
FLOCK_TAPE_RECORD=PATH
Any flock agent with this in its environment records its run to PATH (a directory: a new file in it), also when Pacemaker runs it.
.TP
FLOCK_TAPE_REPLAY=PATH
The agent runs against the tape at PATH instead of the world (what replay sets).
`

// unquote splits a usage string into its `PLACEHOLDER` and the text without backquotes, as
// cli's help does.
func unquote(usage string) (placeholder, text string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "", usage
	}
	name, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "", usage
	}
	return name, before + name + after
}

// roff escapes plain text: backslashes and hyphens, and a leading dot or quote.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
