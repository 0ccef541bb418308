package main

import (
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
)

var agent = &ocf.Agent{
	Name: "isard",
	// The agent's own version, not the build's: bump it when behaviour an operator relies on
	// changes.
	Version: "1.0",
	Short:   "IsardVDI's docker compose stack (or its hypervisor part) as one resource",
	Long: `Runs one docker compose project, by default IsardVDI's /opt/isard/src/docker-compose.yml, under Pacemaker. With flavour=all-in-one the whole stack runs on one node, in a group after the replicated filesystem that holds /opt/isard and before or after the floating IP; it must not be cloned. With flavour=hypervisor the hypervisor part (docker-compose.hypervisor.yml) is cloned on every node.

Start checks that the Docker daemon answers, that the compose files exist, that data_mount is a mounted filesystem (a bare mountpoint of an unmounted replicated filesystem is refused) and that every image is present locally: it never pulls unless allow_pull is set. It then runs compose up --detach and waits, within the operation's timeout, until every service with a healthcheck is healthy and every other runs. A service that exits or turns unhealthy fails the start, with its name and its last log line in the exit reason. An optional service that fails leaves the stack degraded, not failed.

Stop runs compose down with a grace per container derived from the stop timeout, then checks through the Docker API that no container of the project is left, running or not; leftovers are removed through the API. Stop fails, naming them, rather than report stopped while a container of the project remains.

Monitor asks the Docker Engine API over its unix socket for the project's containers by their compose labels, stopped ones included; it forks nothing and never starts, stops or kills anything. Depth 0: every expected service runs. Depth 10: every healthcheck says healthy. Depth 20: health_url answers. A partial stack is an error, never "not running"; an optional service down is degraded (190). The services expected are those start brought up since this boot (kept under HA_RSCTMP); a container that stopped before this boot is not evidence of anything, but one that runs is, whoever started it: after a reboot dockerd restarts containers with restart: always or unless-stopped by itself, outside the cluster, and a probe reports them. validate-all warns about such restart policies and start refuses them unless allow_restart_policy is set.

The daemon down is "not running" for a probe (nothing can run here) and an error for a recurring monitor. A stop with no daemon socket at all succeeds: that rests on dockerd running without live-restore (its default, and IsardVDI's), under which no container outlives its daemon; a socket that exists but does not answer fails the stop, since nothing can then be confirmed.

compose selects the implementation: the docker compose v2 plugin, or docker-compose (v1 from 1.28, or v2 standalone); auto tries them in that order. Do not switch implementations while the stack runs: an up by the other version recreates every container.`,
	Params: params,
	Actions: ocf.Actions{
		Start: start, Stop: stop, Monitor: monitor, Validate: validate, Unconfigured: unconfigured,
	},
	Timeouts: map[string]time.Duration{
		"start":        5 * time.Minute, // IsardVDI's engine and redis have a 5 min start_period
		"stop":         2 * time.Minute,
		"monitor":      30 * time.Second,
		"validate-all": 30 * time.Second,
	},
	Monitors: []ocf.Monitor{
		{Interval: 30 * time.Second, Timeout: 30 * time.Second},
		{Interval: 60 * time.Second, Depth: 10, Timeout: 30 * time.Second},
	},
	HTTP: httpio.New, // the Docker Engine API over its unix socket, and health_url
}

var params = []param.Param{
	{Name: "project_dir", Default: "/opt/isard/src", Short: "The compose project's directory",
		Long: "Directory of the compose files and of .env, which compose reads for variables. IsardVDI's build.sh writes docker-compose.yml (or docker-compose.NAME.yml) and .env there."},
	{Name: "config_name", Short: "IsardVDI configuration name: docker-compose.NAME.yml",
		Long: "IsardVDI's build.sh names the compose file of isardvdi.NAME.cfg docker-compose.NAME.yml. Empty: docker-compose.yml, or docker-compose.hypervisor.yml for flavour=hypervisor. Ignored when compose_files is set."},
	{Name: "compose_files", Short: "Compose files, space-separated (relative to project_dir)",
		Long: "The compose files of the project, in order, relative to project_dir or absolute. Default: from config_name and flavour."},
	{Name: "env_file", Short: "An env file for compose's variable substitution instead of project_dir/.env",
		Long: "Relative to project_dir or absolute."},
	{Name: "project", Short: "Compose project name (default isard, or isard-hypervisor for flavour=hypervisor)",
		Long: "The name compose labels every container with; the agent finds the stack's containers by it. Two stacks on one dockerd need two names."},
	{Name: "flavour", Kind: param.Select, Choices: []string{"all-in-one", "hypervisor"}, Default: "all-in-one",
		Short: "all-in-one: the whole stack on one node; hypervisor: the hypervisor part, cloned on every node",
		Long:  "all-in-one must not be cloned: start refuses to run as a clone with more than one instance, which would run the stack twice on the replicated data. hypervisor is meant to be cloned (a plain resource is only warned about)."},
	{Name: "data_mount", Default: "/opt/isard", Short: "Path that must be a mounted filesystem before start (empty: no check)",
		Long: "IsardVDI keeps its database, templates and desktops under /opt/isard, on the replicated filesystem (or its NFS export on hypervisor nodes). Start refuses to run the stack on the bare mountpoint of a filesystem that is not mounted."},
	{Name: "services", Short: "Services to run, space-separated (default: every service of the files)",
		Long: "Only these services are brought up and expected by monitor."},
	{Name: "optional_services", Short: "Services whose failure only degrades the stack, space-separated",
		Long: "A service listed here that exits, is missing or is unhealthy makes monitor report degraded (190) instead of an error, and does not fail start. Every other service is critical."},
	{Name: "start_grace", Kind: param.Duration, Short: "Longest start waits for the services to be healthy (default: the start timeout)",
		Long: "Start gives up waiting after this long, or at the start timeout less a margin, whichever comes first."},
	{Name: "stop_grace", Kind: param.Duration, Short: "Grace each container gets to stop before SIGKILL (default: from the stop timeout)",
		Long: "Passed to compose down. By default about two thirds of the stop timeout, so the SIGKILL, the removal and the check that nothing is left still fit in it; a larger value is cut to that."},
	{Name: "health_url", Short: "URL a depth-20 monitor fetches (http or https); a 2xx or 3xx answer is healthy",
		Long: "An end-to-end check of the portal, such as https://isard.example.org/. Fetched from this node, with the 10 s timeout of one request."},
	{Name: "health_insecure", Kind: param.Boolean, Default: "false", Short: "Do not verify health_url's TLS certificate",
		Long: "For a portal with a self-signed certificate."},
	{Name: "docker_socket", Default: "/var/run/docker.sock", Short: "The Docker daemon's unix socket"},
	{Name: "compose", Default: "auto", Short: "Compose command: auto, \"docker compose\", docker-compose or a path",
		Long: "auto tries the docker compose v2 plugin, then docker-compose (v1 1.28 or later, or v2 standalone). A path runs that binary as docker-compose."},
	{Name: "allow_pull", Kind: param.Boolean, Default: "false", Short: "Let start pull images that are missing",
		Long: "Without it start refuses to start when an image is not present locally, so a start never waits on a registry."},
	{Name: "allow_restart_policy", Kind: param.Boolean, Default: "false",
		Short: "Accept services with restart: always or unless-stopped",
		Long:  "Docker restarts such containers by itself after a reboot or a daemon restart, outside the cluster, so the stack can run on two nodes at once. Start refuses them unless this is set; validate-all warns either way."},
}
