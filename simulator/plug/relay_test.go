package plug

import (
	"testing"
	"time"
)

func TestParsePayload(t *testing.T) {
	for in, want := range map[string]payloadStatus{
		"0": psOff, "1": psOn, "2": psToggle, "3": psUnknown, "": psUnknown,
		"on": psOn, "OFF": psOff, "Toggle": psToggle, "yes": psUnknown, "01": psUnknown,
	} {
		if got := parsePayload(in, true); got != want {
			t.Errorf("parsePayload(%q) = %v, want %v", in, got, want)
		}
	}
	if parsePayload(" on ", false) != psUnknown || parsePayload(" on ", true) != psOn {
		t.Error("trimming differs between 1.14 and dev")
	}
}

func TestBootsOff(t *testing.T) {
	p := New(Config{})
	defer p.Close()
	expectRelay(t, p, false, false)
	if p.Dialect() != Rest {
		t.Fatalf("default dialect %s", p.Dialect())
	}
}

// The target moves at once (and is what the API reads back); the relay
// follows when the delay is strictly exceeded.
func TestDelays(t *testing.T) {
	clk := newFakeClock()
	p := New(Config{InitialOn: true, OffDelay: 2 * time.Second, OnDelay: time.Second, Clock: clk.Now})
	defer p.Close()

	p.SetRelay(0, false)
	expectRelay(t, p, false, true)
	clk.Advance(2 * time.Second)
	expectRelay(t, p, false, true)
	clk.Advance(time.Nanosecond)
	expectRelay(t, p, false, false)

	tl := p.Timeline()
	var target, sw Event
	for _, e := range tl {
		switch e.Kind {
		case EvTarget:
			target = e
		case EvSwitch:
			sw = e
		}
	}
	if target.Delay != 2*time.Second || sw.Time.Sub(target.Time) != 2*time.Second || sw.On {
		t.Fatalf("timeline: %v / %v", target, sw)
	}
}

// Asking for the current state while a change is pending cancels it.
func TestPendingChangeCancelled(t *testing.T) {
	clk := newFakeClock()
	p := New(Config{OnDelay: 5 * time.Second, Clock: clk.Now})
	defer p.Close()
	p.SetRelay(0, true)
	expectRelay(t, p, true, false)
	p.SetRelay(0, false)
	expectRelay(t, p, false, false)
	clk.Advance(time.Minute)
	expectRelay(t, p, false, false)
	if n := countKind(p, EvSwitch); n != 0 {
		t.Fatalf("%d switches", n)
	}
}

// Toggle inverts the current status, not the pending target.
func TestToggleUsesCurrentStatus(t *testing.T) {
	clk := newFakeClock()
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, OnDelay: 5 * time.Second, Clock: clk.Now})
	hk := map[string]string{"Api-Key": key}
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "1"), hk), 200, "1")
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "toggle"), hk), 200, "1")
	expectRelay(t, p, true, false)
}

// More than relayFloodChanges changes within relayFloodTime: the 5th
// (the firmware counts the one being made) waits for the window's end.
func TestFloodProtection(t *testing.T) {
	clk := newFakeClock()
	p := New(Config{Clock: clk.Now})
	defer p.Close()
	on := false
	for i := 0; i < 4; i++ {
		on = !on
		p.SetRelay(0, on)
		expectRelay(t, p, on, on)
		clk.Advance(100 * time.Millisecond)
	}
	p.SetRelay(0, true) // 5th change, 400ms into the window
	expectRelay(t, p, true, false)
	clk.Advance(2600 * time.Millisecond)
	expectRelay(t, p, true, false)
	clk.Advance(time.Nanosecond)
	expectRelay(t, p, true, true)

	// A new window starts once the old one is over.
	clk.Advance(4 * time.Second)
	p.SetRelay(0, false)
	expectRelay(t, p, false, false)
}

func TestFloodProtectionDisabled(t *testing.T) {
	clk := newFakeClock()
	p := New(Config{Clock: clk.Now, FloodChanges: -1})
	defer p.Close()
	for i := 0; i < 20; i++ {
		p.SetRelay(0, i%2 == 0)
		expectRelay(t, p, i%2 == 0, i%2 == 0)
	}
}

// With real time a timer applies the delayed change and OnSwitch fires.
func TestDelayWithRealClock(t *testing.T) {
	// OnSwitch runs queued, after the power event is recorded: wait for the callback itself.
	calls := make(chan bool, 4)
	p := New(Config{OnDelay: 50 * time.Millisecond, OnSwitch: func(_ int, on bool) { calls <- on }})
	defer p.Close()
	next := func(want bool) {
		t.Helper()
		select {
		case on := <-calls:
			if on != want {
				t.Fatalf("OnSwitch(%v), want OnSwitch(%v)", on, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no OnSwitch(%v) call", want)
		}
	}
	p.SetRelay(0, true)
	next(true)
	p.SetRelay(0, false)
	next(false)
	expectRelay(t, p, false, false)
	select {
	case on := <-calls:
		t.Fatalf("an extra OnSwitch(%v) call", on)
	default:
	}
}

// OnSwitch may call back into the plug.
func TestOnSwitchReentrant(t *testing.T) {
	var p *Plug
	var seen []bool
	p = New(Config{OnSwitch: func(_ int, on bool) {
		_, cur := p.Relay(0)
		seen = append(seen, cur)
		if on {
			p.SetRelay(0, false) // the lab's node "pulls the plug" back
		}
	}})
	defer p.Close()
	p.SetRelay(0, true)
	expectRelay(t, p, false, false)
	if len(seen) != 2 || !seen[0] || seen[1] {
		t.Fatalf("seen %v", seen)
	}
}

// OnEvent fires after every growth of the timeline and may read it: a copy
// taken in the callback is never behind the events recorded so far.
func TestOnEventSeesWholeTimeline(t *testing.T) {
	var p *Plug
	var lens []int
	p = New(Config{OnEvent: func() { lens = append(lens, len(p.Timeline())) }})
	defer p.Close()
	p.SetRelay(0, true)
	p.SetRelay(0, false)
	final := len(p.Timeline())
	if final == 0 || len(lens) == 0 || lens[len(lens)-1] != final {
		t.Fatalf("callback saw lengths %v, timeline has %d events", lens, final)
	}
}
