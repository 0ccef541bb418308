package fence

import (
	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// newLogger sets up fence-agents' destinations: syslog always, stderr unless quiet, the debug
// file when asked. As fence-agents, only warnings and errors go out unless -v (or verbose=1): the
// rest goes to the flight recorder, written out when the action fails. Pacemaker logs every
// stderr line of a fence agent as a warning.
func newLogger(a *Agent, p *sysio.Proc, in input) *flight.Logger {
	verbose := in.raw["verbose"] == "1" || in.verbose > 0 || (in.raw["verbose_level"] != "" && in.raw["verbose_level"] != "0")
	log := flight.New(p.Clock.Now, verbose)
	log.RecordBelow(flight.Warn)
	if s := flight.NewSyslog("daemon", a.Name, flight.Info); s != nil {
		log.AddSink(s)
	}
	if in.raw["quiet"] != "1" {
		log.AddSink(&flight.WriterSink{W: p.Stderr, Min: flight.Debug})
	}
	if f := in.raw["debug_file"]; f != "" {
		log.AddSink(flight.FileSink{Path: f, Tag: a.Name, Min: flight.Debug})
	}
	return log
}
