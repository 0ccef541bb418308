package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/urfave/cli/v2"
)

var replayCommand = &cli.Command{
	Name:      "replay",
	Usage:     "replay tapes against the agent binaries they name",
	ArgsUsage: "TAPE...|DIR...",
	Description: "Runs each tape's agent with the tape's argv, stdin and environment and the tape as its\n" +
		"world, and prints PASS or FAIL with the first divergence. Directories are searched for\n" +
		"*.tape files, skipping testdata and hidden directories. Exits 1 if any tape failed.",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "bin", Usage: "look for agent binaries in `DIR` first"},
		&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "real time one replay may take"},
	},
	Action: replay,
}

func replay(c *cli.Context) error {
	if c.NArg() == 0 {
		return errors.New("replay: give tapes or directories of tapes")
	}
	paths, err := collectTapes(c.Args().Slice())
	if err != nil {
		return err
	}
	w, failed := c.App.Writer, 0
	for _, path := range paths {
		v, err := replayTape(c.Context, path, c.String("bin"), c.Duration("timeout"))
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(w, "FAIL %s: %v\n", path, err)
		case !v.Passed():
			failed++
			fmt.Fprintf(w, "FAIL %s: %s\n", path, v.Divergences[0])
			for _, d := range v.Divergences[1:] {
				fmt.Fprintf(w, "  %s\n", d)
			}
		default:
			fmt.Fprintf(w, "PASS %s\n", path)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", len(paths)-failed, failed)
	if failed > 0 {
		return errFailed
	}
	return nil
}

// replayTape runs the tape's agent in replay mode and returns its verdict.
func replayTape(ctx context.Context, path, binDir string, timeout time.Duration) (tape.Verdict, error) {
	t, err := tape.Load(path)
	if err != nil {
		return tape.Verdict{}, err
	}
	bin, err := findAgent(t.Agent, binDir)
	if err != nil {
		return tape.Verdict{}, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return tape.Verdict{}, err
	}
	dir, err := os.MkdirTemp("", "flock-sim-")
	if err != nil {
		return tape.Verdict{}, err
	}
	defer os.RemoveAll(dir)
	verdict := filepath.Join(dir, "verdict")
	p, stderr := replayProcess(t, bin, timeout, tape.EnvReplay+"="+abs, tape.EnvVerdict+"="+verdict)
	code, err := p.run(ctx)
	if err != nil {
		return tape.Verdict{}, err
	}
	v, err := tape.LoadVerdict(verdict)
	if err != nil {
		return v, noVerdict(bin, code, stderr.String())
	}
	// The verdict judged the code the agent handed Finish; the process must exit with it too.
	if v.Passed() && code != t.Outcome.Code {
		v.Divergences = append(v.Divergences, fmt.Sprintf("outcome: tape has exit %d, the process exited %d", t.Outcome.Code, code))
	}
	return v, nil
}

// collectTapes expands directories into the *.tape files under them, in lexical order.
func collectTapes(args []string) ([]string, error) {
	var paths []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			paths = append(paths, arg)
			continue
		}
		n := len(paths)
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != arg && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")):
				return filepath.SkipDir
			case !d.IsDir() && strings.HasSuffix(path, ".tape"):
				paths = append(paths, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(paths) == n {
			return nil, fmt.Errorf("no tapes in %s", arg)
		}
	}
	return paths, nil
}
