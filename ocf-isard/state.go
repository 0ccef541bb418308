package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The state file says which services start brought up, and in which boot. It lives under
// HA_RSCTMP, which is emptied at boot, and names the boot it was written in, so it is evidence
// of this boot only, even where HA_RSCTMP outlives one.

func (s *stack) stateFile() string {
	dir := s.r.P.Getenv("HA_RSCTMP")
	if dir == "" {
		dir = "/run/resource-agents"
	}
	return filepath.Join(dir, "isard-"+s.c.project+".state")
}

func (s *stack) bootID() string {
	b, err := s.r.P.Files.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		s.r.Log.Debugf("boot id: %v", err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

// expected returns the services start brought up in this boot, or false when start has not
// run since boot (or the record is unreadable).
func (s *stack) expected() ([]string, bool) {
	b, err := s.r.P.Files.ReadFile(s.stateFile())
	if err != nil {
		return nil, false
	}
	var boot string
	var services []string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "boot":
			boot = v
		case "services":
			services = strings.Fields(v)
		}
	}
	if id := s.bootID(); boot == "" || id == "" || boot != id || len(services) == 0 {
		s.r.Log.Debugf("%s is not of this boot (%q, now %q)", s.stateFile(), boot, id)
		return nil, false
	}
	return services, true
}

func (s *stack) saveExpected(services []string) {
	body := fmt.Sprintf("boot %s\nservices %s\n", s.bootID(), strings.Join(services, " "))
	if err := s.r.P.Files.WriteFile(s.stateFile(), []byte(body), 0o644); err != nil {
		s.r.Log.Warnf("cannot record the started services in %s (monitor then expects the services it sees): %v", s.stateFile(), err)
	}
}

func (s *stack) forgetExpected() {
	if err := s.r.P.Files.WriteFile(s.stateFile(), nil, 0o644); err != nil {
		s.r.Log.Debugf("%s: %v", s.stateFile(), err)
	}
}

// bootTime is when this boot began (/proc/stat btime); zero if unknown.
func (s *stack) bootTime() time.Time {
	b, err := s.r.P.Files.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(n, 0)
			}
		}
	}
	return time.Time{}
}
