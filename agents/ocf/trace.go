package ocf

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// traceDest is where a traced action writes. A Go agent has no `set -x`; its trace is every
// debug line, written at once, after a header with the invocation and its environment.
type traceDest struct {
	on   bool
	sink flight.Sink
	path string // "" for stderr
	warn string // why tracing was asked for but cannot happen
}

// traceFor follows ocf-shellfuncs' ocf_start_trace: OCF_TRACE_RA (or the trace_ra instance
// parameter pcs offers for every agent) turns tracing on; the destination is OCF_TRACE_FILE (or
// the trace_file parameter): /dev/stderr, a file descriptor 3–9 or an absolute path; by default
// $trace_dir (or $HA_VARLIB/trace_ra) /<type>/<instance>.<action>.<timestamp>, or stderr when
// that is a terminal. A destination we cannot write costs the trace, never the action (meta-data
// and validate-all run as hacluster or nobody).
//
// Trace files live outside lib/sysio on purpose: like log files they are what the agent says
// about its run, not an exchange with the world, and a tape must not record them.
func traceFor(p *sysio.Proc, inv invocation) traceDest {
	on := p.Getenv("OCF_TRACE_RA")
	if on == "" {
		on = inv.trace["trace_ra"]
	}
	if v, _ := param.ParseBool(on); !v {
		return traceDest{}
	}
	stderr := traceDest{on: true, sink: &flight.WriterSink{W: p.Stderr, Prefix: "+ ", Min: flight.Debug}}
	dest := p.Getenv("OCF_TRACE_FILE")
	if dest == "" {
		dest = inv.trace["trace_file"]
	}
	switch {
	case dest == "/dev/stderr":
		return stderr
	case len(dest) == 1 && dest[0] >= '3' && dest[0] <= '9':
		return openTrace("/dev/fd/" + dest)
	case strings.HasPrefix(dest, "/") && strings.Count(dest, "/") >= 2:
		return openTrace(dest)
	}
	if isTerminal(p.Stderr) {
		return stderr
	}
	if inv.instance == "" {
		return traceDest{on: true, warn: "tracing asked for, but OCF_RESOURCE_INSTANCE is not set to name the trace file"}
	}
	dir := inv.trace["trace_dir"]
	if dir == "" {
		varlib := p.Getenv("HA_VARLIB")
		if varlib == "" {
			varlib = "/var/lib/heartbeat"
		}
		dir = filepath.Join(varlib, "trace_ra")
	}
	ts := p.Clock.Now().Format("2006-01-02.15:04:05") // `date +%F.%T`, as the shell agents name them
	return openTrace(filepath.Join(dir, inv.rtype, filepath.Base(inv.instance)+"."+inv.action+"."+ts))
}

func openTrace(path string) traceDest {
	if !strings.HasPrefix(path, "/dev/fd/") {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return traceDest{on: true, warn: path + " not writable, trace not going to happen: " + err.Error()}
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return traceDest{on: true, warn: path + " not writable, trace not going to happen: " + err.Error()}
	}
	f.Close()
	return traceDest{on: true, path: path, sink: flight.FileSink{Path: path, Tag: "+", Min: flight.Debug}}
}

// header opens a trace with what the shell agents' `set -x` trace shows first: the call and
// its environment (secrets scrubbed by the logger).
func (t traceDest) header(log *flight.Logger, p *sysio.Proc) {
	if t.sink == nil {
		return
	}
	log.Debugf("trace of %s", strings.Join(p.Args, " "))
	env := append([]string(nil), p.Env...)
	sort.Strings(env)
	for _, kv := range env {
		log.Debugf("env %s", kv)
	}
}
