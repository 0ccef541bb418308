package ocf

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// newLogger sets up ocf-shellfuncs' destinations (ha_log/ha_debug):
//   - syslog with HA_LOGFACILITY (Pacemaker also sets HA_logfacility and PCMK_logfacility);
//     "none" or unset means no syslog;
//   - HA_LOGFILE (or PCMK_logfile) and HA_DEBUGLOG, appended to;
//   - stderr when stderr is a terminal, or when neither syslog nor a log file is configured:
//     that is a run by hand, by ocf-tester or by crm_resource (HA_logfacility=none), whose
//     stderr a human reads; under pacemaker-execd syslog is set and stderr stays quiet.
//
// HA_debug=1 sends debug lines out at once; otherwise they wait in the flight recorder and
// are written out only if the action fails. Tracing (trace.go) sends them at once to the trace
// destination only, so a forgotten trace_ra does not flood syslog.
func newLogger(p *sysio.Proc, inv invocation) (*flight.Logger, traceDest) {
	debug, _ := param.ParseBool(p.Getenv("HA_debug"))
	tr := traceFor(p, inv)
	tracing := tr.sink != nil
	log := flight.New(p.Clock.Now, debug || tracing)
	min := flight.Debug // dumps of the recorder must get through
	if tracing && !debug {
		min = flight.Info
	}
	if tracing {
		log.AddSink(tr.sink)
	}
	tag := fmt.Sprintf("%s(%s)", inv.rtype, inv.instance)
	if inv.instance == "" {
		tag = inv.rtype
	}
	pidTag := fmt.Sprintf("%s[%d]", tag, os.Getpid())

	facility := firstEnv(p, "HA_LOGFACILITY", "HA_logfacility", "PCMK_logfacility")
	if strings.EqualFold(facility, "none") {
		facility = ""
	}
	if facility != "" {
		// log/syslog adds [pid] to the tag itself.
		if s := flight.NewSyslog(facility, tag, min); s != nil {
			log.AddSink(s)
		}
	}
	logfile := firstEnv(p, "HA_LOGFILE", "PCMK_logfile")
	if strings.EqualFold(logfile, "none") {
		logfile = ""
	}
	if logfile != "" {
		log.AddSink(flight.FileSink{Path: logfile, Tag: pidTag, Min: min})
	}
	if dl := p.Getenv("HA_DEBUGLOG"); dl != "" && dl != logfile && dl != "/dev/null" {
		log.AddSink(flight.FileSink{Path: dl, Tag: pidTag, Min: min})
	}
	if (isTerminal(p.Stderr) || (facility == "" && logfile == "")) && !(tracing && tr.path == "") {
		log.AddSink(&flight.WriterSink{W: p.Stderr, Prefix: pidTag + ": ", Min: min})
	}
	return log, tr
}

func firstEnv(p *sysio.Proc, keys ...string) string {
	for _, k := range keys {
		if v := p.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// isTerminal reports a character device on the other end of w, as `tty` does for the shell
// agents. /dev/null counts too, which only sends lines nowhere.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
