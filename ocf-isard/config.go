package main

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/compose"
)

// config is the resource's parameters, checked against each other (validate-all depth 0).
type config struct {
	dir, envFile, project, flavour, dataMount, socket, composeCmd string
	files                                                         []string
	services                                                      []string // asked for; empty: all
	optional                                                      map[string]bool
	startGrace, stopGrace                                         time.Duration
	healthURL                                                     string
	healthInsecure, allowPull, allowRestart                       bool
}

// newConfig reads and cross-checks the parameters, which the runtime has type-checked. It
// touches nothing outside the process: validate-all at depth 0 runs as nobody on any node.
func newConfig(v param.Values) (config, error) {
	c := config{dir: v.String("project_dir"), project: v.String("project"), flavour: v.String("flavour"),
		dataMount: v.String("data_mount"), socket: v.String("docker_socket"), composeCmd: strings.TrimSpace(v.String("compose")),
		services: strings.Fields(v.String("services")), optional: map[string]bool{},
		startGrace: v.Duration("start_grace"), stopGrace: v.Duration("stop_grace"),
		healthURL: v.String("health_url"), healthInsecure: v.Bool("health_insecure"),
		allowPull: v.Bool("allow_pull"), allowRestart: v.Bool("allow_restart_policy")}
	for _, p := range []struct{ name, path string }{{"project_dir", c.dir}, {"docker_socket", c.socket}, {"data_mount", c.dataMount}} {
		if p.path != "" && (!filepath.IsAbs(p.path) || filepath.Clean(p.path) != p.path) {
			return c, ocf.Exit(ocf.ErrConfigured, "parameter %s: %q is not a clean absolute path", p.name, p.path)
		}
	}
	if c.dir == "" || c.socket == "" {
		return c, ocf.Exit(ocf.ErrConfigured, "parameters project_dir and docker_socket must not be empty")
	}
	if c.project == "" {
		c.project = "isard"
		if c.flavour == "hypervisor" {
			c.project = "isard-hypervisor"
		}
	}
	if !validProject(c.project) {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter project: %q is not a compose project name (lower-case letters, digits, - and _, starting with a letter or digit)", c.project)
	}
	files := strings.Fields(v.String("compose_files"))
	if len(files) == 0 {
		name := "docker-compose.yml"
		switch n := v.String("config_name"); {
		case n != "":
			if strings.ContainsAny(n, "/ ") {
				return c, ocf.Exit(ocf.ErrConfigured, "parameter config_name: %q is a name, not a path", n)
			}
			name = "docker-compose." + n + ".yml"
		case c.flavour == "hypervisor":
			name = "docker-compose.hypervisor.yml"
		}
		files = []string{name}
	}
	for _, f := range files {
		c.files = append(c.files, c.abs(f))
	}
	if e := v.String("env_file"); e != "" {
		c.envFile = c.abs(e)
	}
	for _, s := range strings.Fields(v.String("optional_services")) {
		c.optional[s] = true
	}
	if c.composeCmd == "" {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter compose: empty (auto, \"docker compose\", docker-compose or a path)")
	}
	if u := c.healthURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter health_url: %q is not an http or https URL", u)
	}
	return c, nil
}

func (c config) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.dir, p)
}

// validProject is compose's rule for project names (v2 enforces it, v1 normalises silently).
func validProject(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// candidates are the compose commands to try, from the compose parameter.
func (c config) candidates() [][]string {
	switch c.composeCmd {
	case "auto":
		return compose.Candidates
	case "docker compose":
		return [][]string{{"docker", "compose"}}
	}
	return [][]string{{c.composeCmd}}
}

// cli detects the compose implementation for this project.
func (c config) cli(ctx context.Context, r *ocf.Request) (compose.CLI, error) {
	return compose.Detect(ctx, compose.CLI{Exec: r.P.Exec, Project: c.project, Dir: c.dir, Files: c.files,
		EnvFile: c.envFile, Socket: c.socket}, c.candidates()...)
}
