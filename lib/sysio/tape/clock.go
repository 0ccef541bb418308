package tape

import (
	"context"
	"sync"
	"time"
)

// Clock.Now is not an exchange: recording passes it through, and replay answers it from the
// virtual clock, which starts at the tape's start and moves only as exchanges are served. A
// sleep replays at once but moves the clock by its recorded length, and a deadline expires
// when the virtual clock passes it.

type recClock struct{ r *recorder }

func (c recClock) Now() time.Time { return c.r.inner.Clock.Now() }

func (c recClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 { // returns at once without waiting: nothing to replay
		return c.r.inner.Clock.Sleep(ctx, d)
	}
	id := c.r.begin("clock", sleepAsk(d))
	err := c.r.inner.Clock.Sleep(ctx, d)
	c.r.end(id, okOrError("clock", err))
	return err
}

func (c recClock) WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc) {
	return c.r.inner.Clock.WithDeadline(parent, t)
}

func sleepAsk(d time.Duration) []Field { return []Field{fld("sleep", fmtDur(d))} }

// okOrError is the answer of an operation that returns only an error.
func okOrError(kind string, err error) []Field {
	if err != nil {
		return []Field{errorField(kind, err)}
	}
	return []Field{fld("ok")}
}

type playClock struct{ p *player }

func (c playClock) Now() time.Time {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.t.Start.Add(c.p.now)
}

func (c playClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	e, err := c.p.serve("clock", sleepAsk(d))
	if err != nil {
		return err
	}
	return answerError("clock", e.Answer)
}

func (c playClock) WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc) {
	v := &virtualDeadline{Context: parent, at: t, done: make(chan struct{})}
	stop := context.AfterFunc(parent, func() { v.end(parent.Err()) })
	c.p.mu.Lock()
	if c.p.t.Start.Add(c.p.now).Before(t) {
		c.p.deadlines = append(c.p.deadlines, v)
	} else {
		defer v.end(context.DeadlineExceeded)
	}
	c.p.mu.Unlock()
	return v, func() { stop(); v.end(context.Canceled) }
}

// expireLocked ends the deadlines virtual time has reached; p.mu is held.
func (p *player) expireLocked() {
	now := p.t.Start.Add(p.now)
	kept := p.deadlines[:0]
	for _, v := range p.deadlines {
		if now.Before(v.at) {
			kept = append(kept, v)
		} else {
			v.end(context.DeadlineExceeded)
		}
	}
	p.deadlines = kept
}

// virtualDeadline is a context whose deadline is on the tape's clock.
type virtualDeadline struct {
	context.Context // the parent, for values
	at              time.Time
	done            chan struct{}

	once sync.Once
	mu   sync.Mutex
	err  error
}

func (v *virtualDeadline) Deadline() (time.Time, bool) { return v.at, true }
func (v *virtualDeadline) Done() <-chan struct{}       { return v.done }

func (v *virtualDeadline) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func (v *virtualDeadline) end(err error) {
	v.once.Do(func() {
		v.mu.Lock()
		v.err = err
		v.mu.Unlock()
		close(v.done)
	})
}
