// Command flock-testagent is a tiny agent for the tests of tape.FromEnv and flock-sim: it reads
// url= and apikey= lines from stdin, asks a relay's state, switches it off when on, runs echo and
// sleeps, as a fence agent would.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
)

func main() {
	p, err := tape.FromEnv(withHTTP(sysio.OS()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "flock-testagent:", err)
		os.Exit(1)
	}
	os.Exit(p.Finish(run(p)))
}

func run(p *sysio.Proc) int {
	ctx := context.Background()
	cfg := map[string]string{}
	for sc := bufio.NewScanner(p.Stdin); sc.Scan(); {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			cfg[k] = v
		}
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(p.Stderr, "ocf-exit-reason:"+format+"\n", args...)
		return 1
	}
	relay := cfg["url"] + "/api/relay/0?apikey=" + url.QueryEscape(cfg["apikey"])
	resp, err := p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: relay, Timeout: 2 * time.Second})
	if err != nil {
		// A diagnostic request the recorded run never made: deriving this fault must fail.
		_, _ = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "GET", URL: cfg["url"] + "/api/info"})
		return fail("relay: %v", err)
	}
	if resp.Status != 200 {
		return fail("relay answered %d", resp.Status)
	}
	if string(resp.Body) == "1" {
		if resp, err = p.HTTP.Do(ctx, sysio.HTTPRequest{Method: "PUT", URL: relay, Body: []byte("value=0")}); err != nil {
			return fail("switching off: %v", err)
		}
	}
	res, err := p.Exec.Run(ctx, sysio.Cmd{Argv: []string{"echo", "done"}})
	if err != nil {
		return fail("echo: %v", err)
	}
	_ = p.Clock.Sleep(ctx, 50*time.Millisecond)
	fmt.Fprintf(p.Stdout, "relay %s, %s", resp.Body, res.Stdout)
	return 0
}

func withHTTP(p *sysio.Proc) *sysio.Proc {
	p.HTTP = httpio.New()
	return p
}
