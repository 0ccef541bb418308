package tape

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Verdict is a replay's judgement: no divergence is a pass. Divergences are one line each, the
// first being the one that explains the rest.
type Verdict struct {
	Divergences []string
	// Got and Stderr are what the agent produced; they are filled in-process only and not kept
	// in a verdict file.
	Got    Outcome
	Stderr string
}

func (v Verdict) Passed() bool { return len(v.Divergences) == 0 }

// String is "pass" or the first divergence, with a count of the others.
func (v Verdict) String() string {
	if v.Passed() {
		return "pass"
	}
	s := v.Divergences[0]
	if n := len(v.Divergences) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// Save writes the verdict file flock-sim reads: "pass", or "fail" and one divergence a line.
func (v Verdict) Save(path string) error {
	if v.Passed() {
		return os.WriteFile(path, []byte("pass\n"), 0o644)
	}
	var b strings.Builder
	b.WriteString("fail\n")
	for _, d := range v.Divergences {
		// One divergence a line, whatever a hand-made tape put in its messages.
		b.WriteString(strings.ReplaceAll(d, "\n", `\n`) + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// LoadVerdict reads a verdict file.
func LoadVerdict(path string) (Verdict, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Verdict{}, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	switch {
	case len(lines) == 1 && lines[0] == "pass":
		return Verdict{}, nil
	case len(lines) > 1 && lines[0] == "fail":
		return Verdict{Divergences: lines[1:]}, nil
	}
	return Verdict{}, errors.New(path + ": not a verdict file")
}
