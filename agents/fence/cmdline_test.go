package fence

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseArgsGetopt covers the getopt spellings fence-agents accept beside the ones
// TestParseArgsDirect checks: a short option's value glued to it, a cluster of flags ending in
// one that takes a value, one dash on a long name, "--" and extra words, and a bad boolean.
func TestParseArgsGetopt(t *testing.T) {
	decls := fuzzAgent.declare()
	in, err := parseArgs([]string{"-ostatus", "-vzn", "3", "-state-file=/x", "--", "-a", "b"}, decls)
	require.NoError(t, err)
	assert.Equal(t, "status", in.raw["action"])
	assert.Equal(t, "3", in.raw["plug"])
	assert.Equal(t, "1", in.raw["ssl"])
	assert.Equal(t, 1, in.verbose)
	assert.NotContains(t, in.raw, "ip", "words after -- are not options")
	require.Len(t, in.warnings, 1)
	assert.Contains(t, in.warnings[0], `"-a" "b"`)

	in, err = parseArgs([]string{"-o", "off", "stray", "-n", "1"}, decls)
	require.NoError(t, err)
	assert.NotContains(t, in.raw, "plug", "options end at the first word that is not one")
	require.Len(t, in.warnings, 1)

	for want, args := range map[string][]string{
		"Parser error: option -y is not recognized":            {"-vy"},
		"Parser error: option -n requires an argument":         {"-vn"},
		`Parser error: invalid boolean value "maybe" for -ssl`: {"--ssl=maybe"},
		"Parser error: option - is not recognized":             {"--="},
	} {
		_, err := parseArgs(args, decls)
		require.Error(t, err, want)
		assert.Equal(t, want, err.Error())
	}
}
