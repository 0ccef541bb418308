package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/urfave/cli/v2"
)

var recordCommand = &cli.Command{
	Name:      "record",
	Usage:     "run an agent against the real world and record its run to a tape",
	ArgsUsage: "-- AGENT [ARGS...]",
	Description: "Runs AGENT with FLOCK_TAPE_RECORD set, passing stdin, stdout, stderr and the environment\n" +
		"through, then prints the outcome. The agent writes the tape itself, at its Finish.",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "write the tape to `TAPE`"},
	},
	Action: record,
}

func record(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		return errors.New("record: give the agent to run after --")
	}
	out, err := filepath.Abs(c.String("output"))
	if err != nil {
		return err
	}
	// A tape left from an earlier run must not pass for this one's.
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	bin := args[0]
	if !strings.Contains(bin, "/") {
		if bin, err = exec.LookPath(bin); err != nil {
			return err
		}
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "FLOCK_TAPE_") })
	p := process{bin: bin, args: args, env: append(env, tape.EnvRecord+"="+out),
		stdin: c.App.Reader, stdout: c.App.Writer, stderr: c.App.ErrWriter}
	if _, err := p.run(c.Context); err != nil {
		return err
	}
	t, err := tape.Load(out)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s wrote no tape (does it call tape.FromEnv and Finish?)", args[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "recorded %s: %d exchanges; %s\n", c.String("output"), len(t.Exchanges), outcomeLine(t.Outcome))
	return nil
}
