package tape

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// capture keeps a copy of what the agent writes to a stream while passing it on (w may be nil:
// in-process replay only keeps it). Agents log from several goroutines, hence the lock.
type capture struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

func (c *capture) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(b)
	if c.w == nil {
		return len(b), nil
	}
	return c.w.Write(b)
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// tee keeps what the agent reads from stdin: a tape holds what was consumed, so recording never
// blocks on a terminal the agent itself would not have read.
type tee struct {
	mu  sync.Mutex
	r   io.Reader
	buf bytes.Buffer
}

func (t *tee) Read(b []byte) (int, error) {
	if t.r == nil {
		return 0, io.EOF
	}
	n, err := t.r.Read(b)
	t.mu.Lock()
	t.buf.Write(b[:n])
	t.mu.Unlock()
	return n, err
}

func (t *tee) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// exitReason is the last "ocf-exit-reason:" line the agent wrote to stderr, as Pacemaker reads it.
func exitReason(stderr string) string {
	reason := ""
	for _, line := range strings.Split(stderr, "\n") {
		if r, ok := strings.CutPrefix(line, "ocf-exit-reason:"); ok {
			reason = strings.TrimSpace(r)
		}
	}
	return reason
}
