package main

import (
	"fmt"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// probeURL fetches health_url: a 2xx or 3xx answer is healthy.
func (s *stack) probeURL() error {
	resp, err := s.r.P.HTTP.Do(s.r.Ctx, sysio.HTTPRequest{Method: "GET", URL: s.c.healthURL,
		Timeout: 10 * time.Second, TLS: sysio.TLSOptions{Insecure: s.c.healthInsecure}})
	if err != nil {
		return fmt.Errorf("health_url %s: %v", s.c.healthURL, err)
	}
	if resp.Status < 200 || resp.Status >= 400 {
		return fmt.Errorf("health_url %s answered %d", s.c.healthURL, resp.Status)
	}
	return nil
}
