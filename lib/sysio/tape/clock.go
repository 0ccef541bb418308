package tape

import (
	"context"
	"time"
)

// Clock.Now is not an exchange: recording passes it through, and replay answers it from the
// virtual clock, which starts at the tape's start and moves only as exchanges are served. A
// sleep replays at once but moves the clock by its recorded length.

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
