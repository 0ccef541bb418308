package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/urfave/cli/v2"
)

var showCommand = &cli.Command{
	Name:      "show",
	Usage:     "print a tape as a timeline, one line per exchange",
	ArgsUsage: "TAPE",
	Action:    show,
}

func show(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("show: give one tape")
	}
	t, err := tape.Load(c.Args().First())
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s: agent %s, recorded %s\n", c.Args().First(), t.Agent, t.Start.Format(time.RFC3339))
	for _, n := range t.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		args[i] = strconv.Quote(a)
	}
	fmt.Fprintf(w, "argv: %s\n", strings.Join(args, " "))
	if len(t.Env) > 0 {
		fmt.Fprintf(w, "env: %s\n", strings.Join(t.Env, " "))
	}
	if t.Stdin != "" {
		fmt.Fprintf(w, "stdin: %q\n", t.Stdin)
	}
	width := 0
	for _, e := range t.Exchanges {
		width = max(width, len(e.Channel))
	}
	for i, e := range t.Exchanges {
		fmt.Fprintf(w, "%4d %10s  %-*s  %s\n", i+1, at(e.At), width, e.Channel, e.Summary())
	}
	fmt.Fprintf(w, "%4s %10s  outcome: %s, stdout %q\n", "", at(t.Outcome.At), outcomeLine(t.Outcome), t.Outcome.Stdout)
	return nil
}

func at(d time.Duration) string { return fmt.Sprintf("+%.3fs", d.Seconds()) }
