// Package sysio is the single seam through which every agent exchanges bytes with the world:
// programs it runs, HTTP and MQTT peers, raw TCP/UDP exchanges (RPC pings), files it reads or
// writes, and the clock. Agents get a World explicitly and never reach the OS on their own, so
// that lib/sysio/tape can record a real run and replay it later with the tape standing in for
// the world.
package sysio

import (
	"context"
	"io"
	"os"
	"time"
)

// World is everything an agent may touch. Each field can be wrapped independently.
type World struct {
	Exec  Execer
	HTTP  HTTPClient
	MQTT  MQTTDialer
	Files Files
	Clock Clock
	Dial  Dialer
}

// Real returns the world of this machine.
func Real() World {
	return World{Exec: realExec{}, HTTP: newRealHTTP(), MQTT: realMQTT{}, Files: realFiles{}, Clock: realClock{}, Dial: realDial{}}
}

// Proc is one run of an agent binary: how it was invoked, its standard streams and its world.
type Proc struct {
	Args   []string
	Env    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	World
	atExit []func(code int) int
}

// OS returns the Proc of the running process with the real world.
func OS() *Proc {
	return &Proc{Args: os.Args, Env: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, World: Real()}
}

// Getenv looks a variable up in the Proc's environment (last assignment wins, as in getenv).
func (p *Proc) Getenv(key string) string {
	v, _ := p.LookupEnv(key)
	return v
}

// LookupEnv is Getenv that tells an empty variable from an absent one.
func (p *Proc) LookupEnv(key string) (string, bool) {
	for i := len(p.Env) - 1; i >= 0; i-- {
		kv := p.Env[i]
		if len(kv) > len(key) && kv[len(key)] == '=' && kv[:len(key)] == key {
			return kv[len(key)+1:], true
		}
	}
	return "", false
}

// AtExit registers f to run when the agent finishes; f may change the exit code (a replay that
// diverged from its tape does). Hooks run last-registered first.
func (p *Proc) AtExit(f func(code int) int) { p.atExit = append(p.atExit, f) }

// Finish runs the exit hooks and returns the code the process must exit with.
func (p *Proc) Finish(code int) int {
	for i := len(p.atExit) - 1; i >= 0; i-- {
		code = p.atExit[i](code)
	}
	p.atExit = nil
	return code
}

// Clock is wall time and sleeping; replay makes both virtual.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever comes first, and returns ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
