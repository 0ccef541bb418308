package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/plug"
)

// The one place where what the bench measures is declared: anchors (peers and the process
// floor) and figures (ours, each against one anchor). An agent joins by adding its commands to
// cmds and its rows to figures; the measuring and printing are shared.

// figure is one row: ours against an anchor run in the same rounds, or against a fixed cost
// (fixed != 0) such as N round trips.
type figure struct {
	name   string
	ours   string
	anchor string
	fixed  time.Duration
	max    float64 // the ratio asked for at most; 0: none, the row only informs
}

// setup is what the commands need: where the binaries are and the emulated plugs.
type setup struct {
	bin, floor, stateDir string
	plugPort, soloPort   string // the farm's (with latency) and one plug's without
	plugs                int
	latency              time.Duration
}

const (
	dummyRA    = "/usr/lib/ocf/resource.d/heartbeat/Dummy"
	fenceDummy = "/usr/sbin/fence_dummy"
	benchKey   = "bench-api-key"
)

// ocfEnv is the environment pacemaker-execd gives an OCF agent (reference: a monitor has no
// OCF_RESOURCE_TYPE), plus the agent's own.
func ocfEnv(extra ...string) []string {
	return append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf",
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_RESOURCE_INSTANCE=bench",
		"OCF_RESKEY_CRM_meta_timeout=20000", "HA_logfacility=none"}, extra...)
}

func (s setup) cmds() map[string]cmd {
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	fence := func(lines ...string) cmd {
		return cmd{argv: []string{filepath.Join(s.bin, "fence_espurna")}, env: env, stdin: strings.Join(lines, "\n") + "\n"}
	}
	farm := func(base int) string {
		var plugs []string
		for i := range s.plugs {
			plugs = append(plugs, fmt.Sprintf("node%d=127.0.0.%d", i+1, base+i))
		}
		return "plugs=" + strings.Join(plugs, " ")
	}
	net := []string{"ipport=" + s.plugPort, "apikey=" + benchKey}
	dummyState := "OCF_RESKEY_state=" + filepath.Join(s.stateDir, "dummy.state") // never created: stopped
	wb := filepath.Join(s.bin, "ocf-writeboost")
	wbEnv := ocfEnv("OCF_RESKEY_name=wbbench", "OCF_RESKEY_backing_dev=/dev/disk/by-id/none-backing",
		"OCF_RESKEY_cache_dev=/dev/disk/by-id/none-cache")
	// nfs and isard as a host without nfsd or dockerd sees them: stopped.
	nfs := filepath.Join(s.bin, "ocf-flock-nfs")
	nfsEnv := ocfEnv("OCF_RESKEY_exports="+s.stateDir+" 192.0.2.0/24(rw,fsid=1)", "OCF_RESKEY_state_dir="+s.stateDir,
		"OCF_RESKEY_ip=192.0.2.10")
	isard := filepath.Join(s.bin, "ocf-isard")
	isardEnv := ocfEnv("OCF_RESKEY_project_dir="+s.stateDir, "OCF_RESKEY_data_mount=",
		"OCF_RESKEY_docker_socket="+filepath.Join(s.stateDir, "no-docker.sock"))
	c := map[string]cmd{
		"floor":                        {argv: []string{s.floor}, env: env},
		"fence_dummy metadata":         {argv: []string{fenceDummy}, env: env, stdin: "action=metadata\n"},
		"fence_dummy monitor":          {argv: []string{fenceDummy}, env: env, stdin: "action=monitor\ntype=file\nstatus_file=" + filepath.Join(s.stateDir, "fence_dummy.status") + "\n"},
		"Dummy meta-data":              {argv: []string{dummyRA, "meta-data"}, env: ocfEnv()},
		"Dummy validate-all":           {argv: []string{dummyRA, "validate-all"}, env: ocfEnv(dummyState)},
		"Dummy monitor (stopped)":      {argv: []string{dummyRA, "monitor"}, env: ocfEnv(dummyState), want: 7},
		"fence_espurna metadata":       fence("action=metadata"),
		"fence_espurna validate-all":   fence("action=validate-all", "ip=127.0.0.101", "plug=1", "apikey="+benchKey),
		"fence_espurna monitor":        fence("action=monitor", "ip=127.0.0.1", "ipport="+s.soloPort, "apikey="+benchKey),
		"writeboost meta-data":         {argv: []string{wb, "meta-data"}, env: wbEnv},
		"writeboost validate-all":      {argv: []string{wb, "validate-all"}, env: wbEnv},
		"writeboost monitor (stopped)": {argv: []string{wb, "monitor"}, env: wbEnv, want: 7},
		"nfs meta-data":                {argv: []string{nfs, "meta-data"}, env: nfsEnv},
		"nfs validate-all":             {argv: []string{nfs, "validate-all"}, env: nfsEnv},
		"nfs monitor (stopped)":        {argv: []string{nfs, "monitor"}, env: nfsEnv, want: 7},
		"isard meta-data":              {argv: []string{isard, "meta-data"}, env: isardEnv},
		"isard validate-all":           {argv: []string{isard, "validate-all"}, env: isardEnv},
		"isard monitor (stopped)":      {argv: []string{isard, "monitor"}, env: isardEnv, want: 7},
	}
	for _, f := range farms {
		for _, v := range []string{"auto", string(f.dialect)} {
			for _, a := range []string{"list-status", "monitor"} {
				c[farmCmd(a, f.dialect, v)] = fence(append(net, "action="+a, farm(f.base), "api_version="+v)...)
			}
		}
	}
	return c
}

func (s setup) figures() []figure {
	var f []figure
	ocfAgents := []string{"writeboost", "nfs", "isard"}
	ours := []string{"fence_espurna metadata", "fence_espurna validate-all"}
	for _, a := range ocfAgents {
		ours = append(ours, a+" meta-data", a+" validate-all", a+" monitor (stopped)")
	}
	for _, a := range ours {
		f = append(f, figure{name: a, ours: a, anchor: "floor", max: 1.3})
	}
	f = append(f,
		figure{name: "fence_espurna metadata", ours: "fence_espurna metadata", anchor: "fence_dummy metadata", max: 1},
		figure{name: "fence_espurna monitor (1 plug, no latency)", ours: "fence_espurna monitor", anchor: "fence_dummy monitor", max: 1},
	)
	for _, a := range ocfAgents {
		for _, op := range []string{"meta-data", "validate-all", "monitor (stopped)"} {
			f = append(f, figure{name: a + " " + op, ours: a + " " + op, anchor: "Dummy " + op, max: 1})
		}
	}
	n, lat := s.plugs, s.latency
	for _, fm := range farms {
		for _, a := range []string{"list-status", "monitor"} {
			for _, v := range []string{"auto", string(fm.dialect)} {
				k := farmCmd(a, fm.dialect, v)
				f = append(f, figure{name: fmt.Sprintf("%s, %d plugs", k, n), ours: k,
					anchor: fmt.Sprintf("%d × %v, one plug at a time", n, lat), fixed: time.Duration(n) * lat, max: 0.2})
			}
		}
	}
	return f
}

func farmCmd(action string, d plug.Dialect, api string) string {
	return fmt.Sprintf("%s, %s firmware, api_version=%s", action, firmware[d], api)
}

var firmware = map[plug.Dialect]string{plug.V2: "1.15-dev", plug.Rest: "1.14"}

// binaries whose size the issue bounds (stripped, as make build makes them).
func (s setup) binaries() []binary {
	return []binary{{path: filepath.Join(s.bin, "fence_espurna"), ceiling: 8 << 20}}
}

type binary struct {
	path    string
	ceiling int64
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
