// Command flock-sim records flock agents' runs to tapes, replays tapes against the agent
// binaries, and derives fault tapes from real ones. The tape format and the record/replay
// engine are lib/sysio/tape.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// commands are flock-sim's commands, each defined in a file of its own, in the order help lists
// them.
var commands = []*cli.Command{demoCommand, mutateCommand, plugCommand, recordCommand, replayCommand, showCommand, manpageCommand}

// errFailed ends a run whose failures were already reported, such as replay's FAIL lines.
var errFailed = errors.New("failed")

func main() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	if err := app.Run(interspersed(app, args)); err != nil {
		if !errors.Is(err, errFailed) {
			fmt.Fprintf(stderr, "flock-sim: %v\n", err)
		}
		return 1
	}
	return 0
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:            "flock-sim",
		Usage:           "record, replay and derive tapes of flock agents' runs",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands:        append([]*cli.Command(nil), commands...),
		// Errors are reported once, by run; cli's own handler would exit the process.
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

// interspersed moves a command's flags before its arguments: urfave/cli v2 stops reading flags
// at the first argument, and "mutate TAPE --exchange 3" reads better with the tape first.
// Everything from "--" on stays as it is.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	valued := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			valued[n] = !isBool
		}
	}
	var flags, rest []string
	tail := args[2:]
	for i := 0; i < len(tail); i++ {
		a := tail[i]
		name := strings.TrimLeft(a, "-")
		switch {
		case a == "--":
			rest = append(rest, tail[i:]...)
			i = len(tail)
		case name == a || name == "":
			rest = append(rest, a)
		default:
			flags = append(flags, a)
			if valued[name] && i+1 < len(tail) {
				i++
				flags = append(flags, tail[i])
			}
		}
	}
	return append(append(slices.Clone(args[:2]), flags...), rest...)
}
