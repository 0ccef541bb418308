package tape

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// FromEnv sets p up for the mode its environment asks for (see the package documentation) and
// returns it; with no FLOCK_TAPE_* variable, p is returned unchanged. Errors are one line, for
// the agent to print before exiting.
//
// With both FLOCK_TAPE_REPLAY and FLOCK_TAPE_RECORD, the run is replayed and recorded at once:
// that is how flock-sim mutate derives a fault tape.
func FromEnv(p *sysio.Proc) (*sysio.Proc, error) {
	rec, _ := p.LookupEnv(EnvRecord)
	rep, _ := p.LookupEnv(EnvReplay)
	verdict, _ := p.LookupEnv(EnvVerdict)
	lenientVar, _ := p.LookupEnv(EnvLenient)
	if rec == "" && rep == "" && verdict == "" && lenientVar == "" {
		return p, nil
	}
	lenient := false
	if lenientVar != "" {
		var err error
		if lenient, err = strconv.ParseBool(lenientVar); err != nil {
			return p, fmt.Errorf("%s=%q: want 1 or 0", EnvLenient, lenientVar)
		}
	}
	if rep == "" && (verdict != "" || lenient) {
		return p, fmt.Errorf("%s and %s need %s", EnvVerdict, EnvLenient, EnvReplay)
	}
	p.Env = withoutTapeVars(p.Env)
	if rep != "" {
		t, err := Load(rep)
		if err != nil {
			return p, fmt.Errorf("%s: %w", EnvReplay, err)
		}
		stderr := p.Stderr
		attach(p, t, lenient, func(v Verdict, code int) int {
			if verdict != "" {
				if err := v.Save(verdict); err != nil {
					fmt.Fprintf(stderr, "flock-tape: %v\n", err)
					return ExitDiverged
				}
			}
			if !v.Passed() {
				fmt.Fprintf(stderr, "flock-tape: replay of %s diverged: %s\n", rep, v)
				return ExitDiverged
			}
			return code
		})
	}
	if rec != "" {
		Record(p, func(t *Tape) error { return t.Save(recordPath(rec, t)) })
	}
	return p, nil
}

// recordPath is path itself, or a new file in it when it is a directory: under Pacemaker, every
// monitor run then keeps its own tape.
func recordPath(path string, t *Tape) string {
	if st, err := os.Stat(path); (err == nil && st.IsDir()) || strings.HasSuffix(path, "/") {
		name := fmt.Sprintf("%s-%s-%d.tape", t.Agent, t.Start.Format("20060102T150405.000"), os.Getpid())
		return filepath.Join(path, name)
	}
	return path
}
