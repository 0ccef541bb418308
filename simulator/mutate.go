package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/urfave/cli/v2"
)

var mutateCommand = &cli.Command{
	Name:      "mutate",
	Usage:     "derive a fault tape by changing one answer of a recorded one",
	ArgsUsage: "TAPE",
	Description: "Changes the answer of exchange N, then runs the agent against the result in a lenient\n" +
		"replay that is itself recorded: the agent's questions keep their recorded answers (a retry\n" +
		"meets the changed one again; sleeps just pass), and the new tape holds what the agent\n" +
		"really asked and how it ended. If the agent now asks for something the tape never saw,\n" +
		"record that fault against the plug emulator instead.",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "exchange", Required: true, Usage: "change exchange `N` (as show numbers them)"},
		&cli.IntFlag{Name: "status", Usage: "answer HTTP status `CODE`"},
		&cli.StringFlag{Name: "error", Usage: "fail with error `KIND` (timeout, refused, reset, unreachable, tls, dns, auth, other; not-exist, permission for files; not-found, permission, deadline, canceled for programs)"},
		&cli.StringFlag{Name: "body", Usage: "answer `TEXT` as the body, payload, stdout or file data"},
		&cli.IntFlag{Name: "exit", Usage: "a program exits with status `CODE` (it ran: any error goes)"},
		&cli.StringFlag{Name: "stderr", Usage: "a program writes `TEXT` on stderr (alone or with --exit)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "write the new tape to `TAPE`"},
		&cli.StringFlag{Name: "bin", Usage: "look for the agent binary in `DIR` first"},
		&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "real time the derived run may take"},
	},
	Action: mutate,
}

func mutate(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("mutate: give one tape")
	}
	path := c.Args().First()
	t, err := tape.Load(path)
	if err != nil {
		return err
	}
	m := tape.Mutation{Status: c.Int("status"), Error: c.String("error")}
	if c.IsSet("body") {
		body := c.String("body")
		m.Body = &body
	}
	if c.IsSet("exit") {
		code := c.Int("exit")
		m.Exit = &code
	}
	if c.IsSet("stderr") {
		stderr := c.String("stderr")
		m.Stderr = &stderr
	}
	n := c.Int("exchange")
	mutated, err := t.Mutate(n, m)
	if err != nil {
		return err
	}
	bin, err := findAgent(t.Agent, c.String("bin"))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "flock-sim-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	in, derived, verdict := filepath.Join(dir, "mutated.tape"), filepath.Join(dir, "derived.tape"), filepath.Join(dir, "verdict")
	if err := mutated.Save(in); err != nil {
		return err
	}
	p, stderr := replayProcess(t, bin, c.Duration("timeout"), tape.EnvReplay+"="+in, tape.EnvLenient+"=1",
		tape.EnvRecord+"="+derived, tape.EnvVerdict+"="+verdict)
	code, err := p.run(c.Context)
	if err != nil {
		return err
	}
	v, err := tape.LoadVerdict(verdict)
	if err != nil {
		return noVerdict(bin, code, stderr.String())
	}
	if !v.Passed() {
		return fmt.Errorf("mutate: %s", v.Divergences[0])
	}
	d, err := tape.Load(derived)
	if err != nil {
		return err
	}
	d.Notes = append(slices.Clone(t.Notes), fmt.Sprintf("derived from %s: exchange %d %s", filepath.Base(path), n, m))
	if err := d.Save(c.String("output")); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s: exchange %d %s; %d exchanges; %s\n", c.String("output"), n, m, len(d.Exchanges), outcomeLine(d.Outcome))
	return nil
}
