package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// secretField finds a value given to a secret-bearing name: stdin and form lines (apikey=…,
// password=…), URL queries, and headers (Api-Key, Authorization). Anything but <redacted> leaked.
var secretField = regexp.MustCompile(`(?i)(?:\b(?:api-?key|passw(?:or)?d|authorization)(?:=|: | ))([^&\s]+)`)

// The corpus never holds a secret: neither one the recording scripts used, nor any value in a
// field that carries secrets.
func TestCorpusKeepsNoSecret(t *testing.T) {
	b, err := os.ReadFile("tapes/recording-secrets")
	require.NoError(t, err)
	var secrets []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			secrets = append(secrets, l)
		}
	}
	require.NotEmpty(t, secrets)
	paths, err := collectTapes([]string{"tapes"})
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		text := string(b)
		for _, s := range secrets {
			require.NotContains(t, text, s, "%s holds a recording secret", p)
		}
		for _, m := range secretField.FindAllStringSubmatch(text, -1) {
			require.Equal(t, "<redacted>", m[1], "%s: %q is not redacted", p, m[0])
		}
	}
}

// The same regexp catches what it is meant to; a check that cannot fail proves nothing.
func TestSecretFieldFindsLeaks(t *testing.T) {
	for _, leak := range []string{"apikey=abc", "> header Api-Key abc", "password=abc",
		"> GET http://p/api/relay/0?apikey=abc", "passwd=abc", "> header Authorization Basic"} {
		m := secretField.FindStringSubmatch(leak)
		require.NotNil(t, m, leak)
		require.NotEqual(t, "<redacted>", m[1], leak)
	}
	require.Nil(t, secretField.FindStringSubmatch("password_script=/usr/local/sbin/pw"))
}

// BenchmarkCorpusBinaries replays the whole corpus through the built binaries (make build), as
// `make replay` does: one op is the corpus, ns/tape the cost of one tape with its process start.
// fence-espurna's BenchmarkCorpusInProcess is the same without processes.
func BenchmarkCorpusBinaries(b *testing.B) {
	bin, _ := filepath.Abs("../bin")
	corpus, err := collectTapes([]string{"tapes"}) // testdata's tapes are not the corpus
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range corpus {
			v, err := replayTape(context.Background(), p, bin, time.Minute)
			if err != nil {
				b.Skipf("%s: %v (run make build first)", p, err)
			}
			if !v.Passed() {
				b.Fatalf("%s: %v", p, v.Divergences)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(corpus)), "ns/tape")
}
