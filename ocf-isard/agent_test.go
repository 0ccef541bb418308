package main

import (
	"path/filepath"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
)

// TestMetaDataGolden: the contract in metadata/ is what the agent prints.
func TestMetaDataGolden(t *testing.T) { ocftest.Golden(t, agentPath(t), "isard") }

// TestTapes replays every recorded and derived tape in-process: the agent must ask the world
// exactly what the tape holds and end as the recording did.
func TestTapes(t *testing.T) {
	ocftest.ReplayTapes(t, "isard", func(p *sysio.Proc) int { return ocf.Run(agent, p) })
}

// TestValidateDepth0 is the parameter logic alone, as pcs and crm_resource run it on any node:
// no daemon, no files, no root.
func TestValidateDepth0(t *testing.T) {
	for _, c := range []struct {
		name   string
		env    []string
		code   int
		reason string
	}{
		{"defaults", nil, 0, ""},
		{"hypervisor", []string{"OCF_RESKEY_flavour=hypervisor"}, 0, ""},
		{"everything", []string{"OCF_RESKEY_project_dir=/srv/isard", "OCF_RESKEY_config_name=flock", "OCF_RESKEY_env_file=isardvdi.flock.cfg",
			"OCF_RESKEY_project=isard_1", "OCF_RESKEY_optional_services=isard-stats", "OCF_RESKEY_start_grace=4min",
			"OCF_RESKEY_stop_grace=30s", "OCF_RESKEY_health_url=https://isard.example.org/", "OCF_RESKEY_compose=docker compose"}, 0, ""},
		{"no data mount check", []string{"OCF_RESKEY_data_mount="}, 0, ""},
		{"relative dir", []string{"OCF_RESKEY_project_dir=isard/src"}, 6, `parameter project_dir: "isard/src" is not a clean absolute path`},
		{"unclean socket", []string{"OCF_RESKEY_docker_socket=/run/../docker.sock"}, 6, "parameter docker_socket"},
		{"bad project", []string{"OCF_RESKEY_project=Isard"}, 6, `parameter project: "Isard" is not a compose project name`},
		{"project starting with -", []string{"OCF_RESKEY_project=-x"}, 6, "parameter project"},
		{"config name path", []string{"OCF_RESKEY_config_name=../x"}, 6, "parameter config_name"},
		{"flavour", []string{"OCF_RESKEY_flavour=web"}, 6, "parameter flavour"},
		{"grace", []string{"OCF_RESKEY_stop_grace=soon"}, 6, "parameter stop_grace"},
		{"url", []string{"OCF_RESKEY_health_url=ftp://x/"}, 6, "parameter health_url"},
		{"empty compose", []string{"OCF_RESKEY_compose= "}, 6, "parameter compose"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := run(t, "validate-all", c.env...)
			assert.Equal(t, c.code, o.Code, o.Stderr)
			if c.reason == "" {
				assert.Empty(t, o.Reason)
			} else {
				assert.Contains(t, o.Reason, c.reason)
			}
		})
	}
}

// TestUnconfiguredWithoutDaemon: a probe and a stop with parameters that do not check, on a node
// without a docker daemon, say "not running" and "stopped", never an error that fences.
func TestUnconfiguredWithoutDaemon(t *testing.T) {
	sock := "OCF_RESKEY_docker_socket=" + filepath.Join(t.TempDir(), "none.sock")
	o := run(t, "monitor", sock, "OCF_RESKEY_flavour=web")
	assert.Equal(t, 7, o.Code, o)
	o = run(t, "stop", sock, "OCF_RESKEY_flavour=web")
	assert.Equal(t, 0, o.Code, o)
	o = run(t, "monitor", sock, "OCF_RESKEY_flavour=web", "OCF_RESKEY_CRM_meta_interval=30000")
	assert.Equal(t, 6, o.Code, o)

	// Parameters that type-check but not against each other are bad configuration too, and
	// a project name start refuses names no stack of this resource.
	for _, bad := range []string{"OCF_RESKEY_project_dir=relative", "OCF_RESKEY_project=Bad Name",
		"OCF_RESKEY_project=-x", "OCF_RESKEY_docker_socket=", "OCF_RESKEY_health_url=ftp://x/"} {
		env := []string{sock, bad}
		if bad == "OCF_RESKEY_docker_socket=" {
			env = env[1:]
		}
		o = run(t, "monitor", env...)
		assert.Equal(t, 7, o.Code, "probe with %s: %s", bad, o)
		o = run(t, "stop", env...)
		assert.Equal(t, 0, o.Code, "stop with %s: %s", bad, o)
	}
}
