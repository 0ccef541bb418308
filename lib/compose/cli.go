package compose

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// CLI runs one compose implementation for one project.
type CLI struct {
	Exec    sysio.Execer
	Command []string // "docker compose" (v2 plugin), "docker-compose" (v1, or v2 standalone)
	Version string   // what `version --short` said
	Major   int      // 1 or 2
	// The project: its name, directory, files and env file, given to every command, so that
	// what the agent runs never depends on the working directory or COMPOSE_* variables.
	Project, Dir, EnvFile string
	Files                 []string
	Socket                string // the daemon's unix socket, as DOCKER_HOST
	Env                   []string
}

// ErrNoCompose is Detect's answer when no usable compose is installed.
var ErrNoCompose = errors.New("no docker compose found")

// Candidates are the implementations Detect tries, in order: the v2 plugin, then a
// docker-compose on PATH (v1, or v2 installed standalone).
var Candidates = [][]string{{"docker", "compose"}, {"docker-compose"}}

// Detect finds a usable compose among the candidates (or the one command given) and reads
// its version: v2, or v1 from 1.28 on (profiles, and service_healthy since 1.27.3).
func Detect(ctx context.Context, c CLI, candidates ...[]string) (CLI, error) {
	if len(candidates) == 0 {
		candidates = Candidates
	}
	var tried []string
	for _, cmd := range candidates {
		c.Command = cmd
		res, err := c.Exec.Run(ctx, sysio.Cmd{Argv: append(append([]string{}, cmd...), "version", "--short"), Env: c.env()})
		if errors.Is(err, sysio.ErrNotFound) {
			tried = append(tried, strings.Join(cmd, " ")+": not installed")
			continue
		}
		if err != nil {
			return c, err
		}
		v := strings.TrimPrefix(strings.TrimSpace(string(res.Stdout)), "v")
		if res.ExitCode != 0 || v == "" {
			tried = append(tried, fmt.Sprintf("%s: %s", strings.Join(cmd, " "), firstLine(res.Stderr, res.ExitCode)))
			continue
		}
		major, minor := versionOf(v)
		switch {
		case major >= 2:
			c.Version, c.Major = v, 2
			return c, nil
		case major == 1 && minor >= 28:
			c.Version, c.Major = v, 1
			return c, nil
		}
		tried = append(tried, fmt.Sprintf("%s: version %s is older than 1.28", strings.Join(cmd, " "), v))
	}
	return c, fmt.Errorf("%w (%s)", ErrNoCompose, strings.Join(tried, "; "))
}

func versionOf(v string) (major, minor int) {
	parts := strings.SplitN(v, ".", 3)
	major, _ = strconv.Atoi(parts[0])
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major, minor
}

func firstLine(b []byte, code int) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		s = fmt.Sprintf("exit %d", code)
	}
	return s
}

func (c CLI) env() []string {
	env := append([]string{}, c.Env...)
	if c.Socket != "" {
		env = append(env, "DOCKER_HOST=unix://"+c.Socket)
	}
	return env
}

// argv is the compose command line for one subcommand, with the project options first.
func (c CLI) argv(sub ...string) []string {
	a := append([]string{}, c.Command...)
	a = append(a, "--project-name", c.Project, "--project-directory", c.Dir)
	for _, f := range c.Files {
		a = append(a, "--file", f)
	}
	if c.EnvFile != "" {
		a = append(a, "--env-file", c.EnvFile)
	}
	return append(a, sub...)
}

// Failed is a compose command that ran and failed; Argv is the command and subcommand only (the
// project options would only repeat the parameters), Stderr's last line says why.
type Failed struct {
	Argv   []string
	Code   int
	Stderr string
}

func (e *Failed) Error() string {
	return fmt.Sprintf("%s exited %d: %s", strings.Join(e.Argv, " "), e.Code, lastLine([]byte(e.Stderr)))
}

// run runs a subcommand; keep is what a recording keeps of its output (nil: all of it).
func (c CLI) run(ctx context.Context, keep func([]byte) []byte, sub ...string) (sysio.CmdResult, error) {
	argv := c.argv(sub...)
	res, err := c.Exec.Run(ctx, sysio.Cmd{Argv: argv, Env: c.env(), Dir: c.Dir, KeepStdout: keep})
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		return res, &Failed{Argv: append(append([]string{}, c.Command...), sub[0]), Code: res.ExitCode, Stderr: string(res.Stderr)}
	}
	return res, nil
}

// Up creates and starts the services (all when none are named), detached, never building and,
// with v2, never pulling (v1 has no such option: check the images first).
func (c CLI) Up(ctx context.Context, services ...string) error {
	args := []string{"up", "--detach", "--no-build"}
	if c.Major >= 2 {
		args = append(args, "--pull", "never")
	}
	_, err := c.run(ctx, nil, append(args, services...)...)
	return err
}

// Pull pulls the services' images.
func (c CLI) Pull(ctx context.Context, services ...string) error {
	_, err := c.run(ctx, nil, append([]string{"pull", "--quiet"}, services...)...)
	return err
}

// Down stops the project's containers, each with grace before SIGKILL, and removes them with
// the project's networks, orphans (containers of services no longer in the files) included.
func (c CLI) Down(ctx context.Context, grace time.Duration) error {
	secs := int(grace.Round(time.Second) / time.Second)
	_, err := c.run(ctx, nil, "down", "--remove-orphans", "--timeout", strconv.Itoa(secs))
	return err
}

// Config reads the project's resolved configuration. A recording keeps only what the agent reads
// of it, in the same format: the resolved environment, with the .env's secrets, stays out.
func (c CLI) Config(ctx context.Context) (Config, error) {
	if c.Major >= 2 {
		res, err := c.run(ctx, kept(parseJSONConfig, Config.jsonText), "config", "--format", "json")
		if err != nil {
			return Config{}, err
		}
		return parseJSONConfig(res.Stdout)
	}
	res, err := c.run(ctx, kept(parseYAMLConfig, Config.yamlText), "config")
	if err != nil {
		return Config{}, err
	}
	return parseYAMLConfig(res.Stdout)
}
