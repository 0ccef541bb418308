package tape

import (
	"path/filepath"
	"slices"
	"strings"
)

// envMatters reports the variables that shape an agent's run: Pacemaker's (OCF_*, HA_*, PCMK_*)
// and the locale. The rest of a daemon's or a shell's environment is noise that would make every
// tape differ; FLOCK_TAPE_* only say how to run the tape itself.
func envMatters(name string) bool {
	for _, p := range []string{"OCF_", "HA_", "PCMK_", "LC_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	// CIB_file points Pacemaker's tools at a CIB in a file (tests, shadow work); other CIB_*
	// variables can hold a remote CIB's password and are never recorded.
	return name == "LANG" || name == "LANGUAGE" || name == "TZ" || name == "CIB_file"
}

// keepEnv returns the variables that matter, the last assignment of each, sorted for diffs.
func keepEnv(env []string) []string {
	last := map[string]string{}
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && envMatters(k) {
			last[k] = kv
		}
	}
	out := make([]string, 0, len(last))
	for _, kv := range last {
		out = append(out, kv)
	}
	slices.Sort(out)
	return out
}

// withoutTapeVars drops FLOCK_TAPE_* so the agent and any program it spawns never see them.
func withoutTapeVars(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "FLOCK_TAPE_") })
}

func agentName(args []string) string {
	if len(args) == 0 || args[0] == "" {
		return "agent"
	}
	return filepath.Base(args[0])
}
