package compose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeptConfigParsesTheSame: what a recording keeps of compose config parses to the same
// configuration (so a replay decides as the live run did) and holds no environment.
func TestKeptConfigParsesTheSame(t *testing.T) {
	const secret = "s3cret-of-the-school"
	v1 := "services:\n  isard-db:\n    environment:\n      WEBAPP_ADMIN_PWD: " + secret + "\n    image: db:1\n" + v1YAML[len("services:\n"):]
	v2 := `{"services":{"db":{"image":"x:1","restart":"always","environment":{"PWD":"` + secret + `"},
		"healthcheck":{"test":["CMD-SHELL","mysqladmin ping -p` + secret + `"]}},"web":{"image":"y:1","healthcheck":{"disable":true}}}}`
	for _, f := range []struct {
		name  string
		in    string
		parse func([]byte) (Config, error)
		print func(Config) []byte
	}{{"v1", v1, parseYAMLConfig, Config.yamlText}, {"v2", v2, parseJSONConfig, Config.jsonText}} {
		want, err := f.parse([]byte(f.in))
		require.NoError(t, err, f.name)
		k := kept(f.parse, f.print)([]byte(f.in))
		assert.NotContains(t, string(k), secret, f.name)
		got, err := f.parse(k)
		require.NoError(t, err, "%s: %s", f.name, k)
		assert.Equal(t, want, got, f.name)
	}
}

func TestKeptInspect(t *testing.T) {
	in := `{"Id":"abc","Config":{"Env":["WEBAPP_ADMIN_PWD=s3cret"],"Cmd":["sh"]},"State":{"ExitCode":3,
		"FinishedAt":"2026-12-02T04:00:00Z","Health":{"Log":[{"Output":"ok"}]}},"HostConfig":{"RestartPolicy":{"Name":"no"}}}`
	k := string(keepJSON[inspected]([]byte(in)))
	assert.NotContains(t, k, "s3cret")
	assert.Contains(t, k, `"ExitCode":3`)
	assert.Contains(t, k, `"Output":"ok"`)
	l := string(keepJSON[[]listed]([]byte(`[{"Id":"abc","Command":"sh -c 'login -p s3cret'","State":"running"}]`)))
	assert.NotContains(t, l, "s3cret")
	assert.Contains(t, l, `"State":"running"`)
}
