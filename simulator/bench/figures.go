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
	max    float64       // the ratio asked for at most; 0: none, the row only informs
	trips  float64       // round trips asked for at most (wall / latency), for the switching rows
	reqs   float64       // requests per plug asked for at most, for the switching rows
	plugs  int           // plugs switched, for the switching rows
	hold   time.Duration // time the action must wait whatever the latency (settle, reboot's least off)
}

// setup is what the commands need: where the binaries are and the emulated plugs.
type setup struct {
	bin, stateDir      string
	floors             map[string]string // anchor name -> binary
	plugPort, soloPort string            // the farm's (with latency) and one plug's without
	plugs              int
	latency            time.Duration
	farm               map[plug.Dialect][]*plug.Plug // with latency, by firmware
}

// floors are the process floors: a trivial static Go binary, and the same linking the libraries an
// agent cannot do without, so that a figure tells what is ours from what is the libraries'.
var floors = []struct{ name, pkg string }{
	{"floor", "./simulator/bench/floor"},
	{"floor + net/http", "./simulator/bench/floor/http"},
	{"floor + net/http + MQTT client", "./simulator/bench/floor/mqtt"},
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

// fence is a fence_espurna run, its arguments on stdin as the fencer gives them.
func (s setup) fence(lines ...string) cmd {
	return cmd{argv: []string{filepath.Join(s.bin, "fence_espurna")}, env: plainEnv, stdin: strings.Join(lines, "\n") + "\n"}
}

var plainEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}

// startCmds are the start-up figures and their anchors: none talks to the farms.
func (s setup) startCmds() map[string]cmd {
	env, fence := plainEnv, s.fence
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
	for name, path := range s.floors {
		c[name] = cmd{argv: []string{path}, env: env}
	}
	return c
}

// farmCmds are the runs over the farms' plugs, every answer late by the latency.
func (s setup) farmCmds() map[string]cmd {
	farm := func(base int) string {
		var plugs []string
		for i := range s.plugs {
			plugs = append(plugs, fmt.Sprintf("node%d=127.0.0.%d", i+1, base+i))
		}
		return "plugs=" + strings.Join(plugs, " ")
	}
	net := []string{"ipport=" + s.plugPort, "apikey=" + benchKey}
	fence := s.fence
	c := map[string]cmd{}
	for _, f := range farms {
		for _, v := range []string{"auto", string(f.dialect)} {
			for _, a := range []string{"list-status", "monitor"} {
				c[farmCmd(a, f.dialect, v)] = fence(append(net, "action="+a, farm(f.base), "api_version="+v)...)
			}
			st := fence(append(net, "action=status", s.port(f.base, s.plugs), "api_version="+v)...)
			st.before, st.requests = s.setAll(f.dialect, s.plugs, true), s.requests(f.dialect)
			c[farmCmd("status", f.dialect, v)+plural(s.plugs)] = st
		}
		for _, sw := range switches {
			for _, n := range []int{1, s.plugs} {
				x := fence(append(net, "action="+sw.action, s.port(f.base, n), "api_version=auto",
					"power_wait=0", "stonith_status_sleep=0.1")...)
				x.before, x.requests = s.setAll(f.dialect, n, sw.from), s.requests(f.dialect)
				c[farmCmd(sw.action, f.dialect, "auto")+plural(n)] = x
			}
		}
	}
	return c
}

// switches are the actions that switch, the state their plugs start in, and the round trips a
// plug costs an agent that does what fencing.py does (status, then per half a switch and a
// confirming read) one plug at a time; asked is the "about two plus power_wait" a half,
// in round trips and in requests a plug answers (the switch and the read that confirms it).
var switches = []struct {
	action             string
	from               bool
	trips, asked, reqs float64
	hold               time.Duration // the least time the action waits, whatever the latency
}{{"off", true, 3, 2.5, 2, settle}, {"on", false, 3, 2.5, 2, 0}, {"reboot", true, 5, 4.5, 4, settle + time.Second}}

// settle is how long after an off over HTTP fence_espurna reads it back (ESPurna's flood window
// and a margin for its main loop, fence-espurna floodWindow + loopLag); a reboot then keeps the
// power off a second more (agents/fence minRebootOff). The farms are all HTTP.
const settle = 3500 * time.Millisecond

// port is the plug parameter naming the first n plugs of a farm: one node fed by all of them,
// switched and confirmed together.
func (s setup) port(base, n int) string {
	ips := make([]string, n)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", base+i)
	}
	return "port=" + strings.Join(ips, ",")
}

// setAll readies a run: the first n plugs of the farm switched on or off.
func (s setup) setAll(d plug.Dialect, n int, on bool) func() {
	return func() {
		for _, p := range s.farm[d][:n] {
			p.SetRelay(0, on)
		}
	}
}

// requests counts the HTTP requests the farm's plugs have answered.
func (s setup) requests(d plug.Dialect) func() int {
	return func() int {
		n := 0
		for _, p := range s.farm[d] {
			for _, e := range p.Timeline() {
				if e.Kind == plug.EvHTTP {
					n++
				}
			}
		}
		return n
	}
}

func plural(n int) string {
	if n == 1 {
		return ", 1 plug"
	}
	return fmt.Sprintf(", %d plugs", n)
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
	// The same against the floor of the libraries they link: what is left is ours.
	libs := map[string]string{"fence_espurna": "floor + net/http + MQTT client", "isard": "floor + net/http"}
	for _, a := range ours {
		if lf, ok := libs[strings.Fields(a)[0]]; ok {
			f = append(f, figure{name: a, ours: a, anchor: lf, max: 1.3})
		}
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
		for _, a := range []string{"list-status", "monitor", "status"} {
			for _, v := range []string{"auto", string(fm.dialect)} {
				k := farmCmd(a, fm.dialect, v)
				if a == "status" {
					k += plural(n)
				}
				f = append(f, figure{name: farmCmd(a, fm.dialect, v) + plural(n), ours: k,
					anchor: fmt.Sprintf("%d × %v, one plug at a time", n, lat), fixed: time.Duration(n) * lat, max: 0.2})
			}
		}
	}
	return f
}

// switching is the rows of off, on and reboot: each against the round trips × latency of an
// agent that serves one plug at a time, and in round trips (wall / latency) against the issue's.
func (s setup) switching() []figure {
	var f []figure
	for _, fm := range farms {
		for _, sw := range switches {
			for _, n := range []int{1, s.plugs} {
				k := farmCmd(sw.action, fm.dialect, "auto") + plural(n)
				f = append(f, figure{name: k, ours: k, trips: sw.asked, reqs: sw.reqs, plugs: n, hold: sw.hold,
					anchor: fmt.Sprintf("%g × %d × %v, one plug at a time", sw.trips, n, s.latency) + held(sw.hold),
					fixed:  time.Duration(sw.trips*float64(n))*s.latency + sw.hold})
			}
		}
	}
	return f
}

// held names the least wait an anchor includes, if any.
func held(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf(", + %v waited", d)
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
