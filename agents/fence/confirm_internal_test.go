package fence

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// offWithErr reads on before the switch; after it every read fails, yet its state slot says
// off (a device that fills the state before checking the error).
type offWithErr struct {
	mu       sync.Mutex
	switched bool
}

func (d *offWithErr) Status(context.Context, string) (State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.switched {
		return On, nil
	}
	return Off, errors.New("read failed: connection reset")
}

func (d *offWithErr) SetPower(context.Context, string, bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.switched = true
	return nil
}

// A failed read after the switch confirms nothing, whatever state came with the error: off
// fails when power_timeout runs out, and says which read failed.
func TestFailedReadNeverConfirmsOff(t *testing.T) {
	a := &Agent{Name: "fence_confirm", Options: []string{"plug"}, Required: []string{"plug"},
		Open: func(context.Context, *Request) (Device, error) { return &offWithErr{}, nil }}
	var out, errb bytes.Buffer
	p := &sysio.Proc{Args: []string{"fence_confirm"}, Stdout: &out, Stderr: &errb, World: sysio.Real(),
		Stdin: strings.NewReader("action=off\nplug=1\npower_wait=0\npower_timeout=1\nstonith_status_sleep=0.1\n")}
	code := Run(a, p)
	if code != ExitFailed || strings.Contains(out.String(), "Success") {
		t.Fatalf("off exited %d (%q) although every read after the switch failed", code, out.String())
	}
	if !strings.Contains(errb.String(), "connection reset") {
		t.Errorf("the reason does not name the failed read: %q", errb.String())
	}
}
