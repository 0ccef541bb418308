package fence

import (
	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// newLogger sets up fence-agents' destinations: syslog always, stderr unless quiet, the debug
// file when asked; -v (or verbose=1) sends debug lines out at once instead of to the recorder.
func newLogger(a *Agent, p *sysio.Proc, in input) *flight.Logger {
	verbose := in.raw["verbose"] == "1" || in.verbose > 0 || (in.raw["verbose_level"] != "" && in.raw["verbose_level"] != "0")
	log := flight.New(p.Clock.Now, verbose)
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
