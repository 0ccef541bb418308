package flight

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"time"
)

// WriterSink writes "LEVEL: msg" lines (stderr when run by hand) with a prefix such as the tag.
type WriterSink struct {
	W      io.Writer
	Prefix string
	Min    Level
	mu     sync.Mutex
}

func (s *WriterSink) Write(_ time.Time, l Level, msg string) {
	if l < s.Min {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.W, "%s%s: %s\n", s.Prefix, l, msg)
}

// FileSink appends timestamped lines to a log file, as ocf-shellfuncs does for HA_LOGFILE. The
// file is opened per line so log rotation works and a missing permission costs only this sink.
type FileSink struct {
	Path string
	Tag  string
	Min  Level
}

func (s FileSink) Write(t time.Time, l Level, msg string) {
	if l < s.Min {
		return
	}
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s: %s: %s\n", t.Format("Jan 02 15:04:05.000"), s.Tag, l, msg)
}

// SyslogSink writes to the local syslog with a facility name such as "daemon" or "local5". It
// connects on its first message: most runs (meta-data, a quiet monitor) log nothing there, and
// the dial is most of a fence agent's start-up beyond the process itself.
type SyslogSink struct {
	fac  syslog.Priority
	tag  string
	Min  Level
	once sync.Once
	w    *syslog.Writer // nil when there is no syslog
}

// NewSyslog prepares a syslog sink; nil when the facility is "none" (or not one).
func NewSyslog(facility, tag string, min Level) *SyslogSink {
	fac, ok := facilities[strings.ToLower(facility)]
	if !ok {
		return nil
	}
	return &SyslogSink{fac: fac, tag: tag, Min: min}
}

func (s *SyslogSink) Write(_ time.Time, l Level, msg string) {
	if l < s.Min {
		return
	}
	s.once.Do(func() { s.w, _ = dialSyslog(s.fac|syslog.LOG_INFO, s.tag) })
	if s.w == nil {
		return
	}
	switch l {
	case Debug:
		_ = s.w.Debug(msg)
	case Info:
		_ = s.w.Info(msg)
	case Warn:
		_ = s.w.Warning(msg)
	default:
		_ = s.w.Err(msg)
	}
}

// dialSyslog connects to the local syslog (a test counts the calls).
var dialSyslog = syslog.New

var facilities = map[string]syslog.Priority{
	"kern": syslog.LOG_KERN, "user": syslog.LOG_USER, "mail": syslog.LOG_MAIL, "daemon": syslog.LOG_DAEMON,
	"auth": syslog.LOG_AUTH, "syslog": syslog.LOG_SYSLOG, "lpr": syslog.LOG_LPR, "news": syslog.LOG_NEWS,
	"uucp": syslog.LOG_UUCP, "cron": syslog.LOG_CRON, "authpriv": syslog.LOG_AUTHPRIV,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2,
	"local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5,
	"local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}
