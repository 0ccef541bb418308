// Package sysio is the single seam through which every agent exchanges bytes with the world:
// programs it runs, HTTP and MQTT peers, raw TCP/UDP exchanges (RPC pings), files it reads or
// writes, the kernel's device-mapper ioctls, and the clock. Agents get a World explicitly and
// never reach the OS on their own, so
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
	Exec Execer
	// HTTP and MQTT are nil in the real world of an agent that speaks neither (see Real).
	HTTP  HTTPClient
	MQTT  MQTTDialer
	Files Files
	Clock Clock
	DM    DeviceMapper
	Dial  Dialer
}

// Real returns the world of this machine, without HTTP and MQTT: an agent that speaks them
// sets them from lib/sysio/httpio and lib/sysio/mqttio, which only its binary then links.
func Real() World {
	return World{Exec: realExec{}, Files: realFiles{}, Clock: realClock{}, DM: realDM{}, Dial: realDial{}}
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
	// WithDeadline is context.WithDeadline on this clock: in replay the context expires when
	// virtual time passes t, so a deadline met in the recording is met at the same point.
	WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc)
}

// WithTimeout is context.WithTimeout on c: a deadline d from c's now, which replay keeps on
// the tape's clock (a wall-clock timeout would fire on replay's pace, not the recording's).
func WithTimeout(c Clock, parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return c.WithDeadline(parent, c.Now().Add(d))
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadline(parent, t)
}

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
