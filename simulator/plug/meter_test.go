package plug

import (
	"testing"
	"time"
)

func TestMedianFilter(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{1, 9}, 1},
		{[]float64{1, 3, 2}, 2},
		{[]float64{60, 60, 60, 0, 0}, 40}, // medians 60, 60, 0
	} {
		if got := medianFilter(c.in); got != c.want {
			t.Errorf("medianFilter(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPowerRealTime(t *testing.T) {
	p := New(Config{InitialOn: true, LoadWatts: 60})
	defer p.Close()
	if w := p.Power(); w != 60 {
		t.Fatalf("on: %v W", w)
	}
	p.SetRelay(0, false)
	if w := p.Power(); w != 0 {
		t.Fatalf("off: %v W", w)
	}
	p.SetFault(Fault{PowerStuck: true})
	if w := p.Power(); w != 60 {
		t.Fatalf("power stuck: %v W", w)
	}
}

// Reported values lag: nothing before the first report, and the report
// whose window straddles the switch-off is neither the load nor zero.
func TestPowerReportLag(t *testing.T) {
	clk := newFakeClock()
	p := New(Config{InitialOn: true, LoadWatts: 60, ReportEvery: time.Minute, Clock: clk.Now})
	defer p.Close()

	if w := p.Power(); w != 0 {
		t.Fatalf("before first report: %v", w)
	}
	clk.Advance(time.Minute)
	if w := p.Power(); w != 60 {
		t.Fatalf("first report: %v", w)
	}
	clk.Advance(30 * time.Second)
	p.SetRelay(0, false)
	expectRelay(t, p, false, false)
	clk.Advance(29 * time.Second)
	if w := p.Power(); w != 60 {
		t.Fatalf("off, not yet reported: %v", w)
	}
	clk.Advance(time.Second)
	// reads 60(carried) 66 72 78 84 at 60 W, 90..120 at 0 W: medians
	// 60,60,60,60,0,0,0,0,0 -> 240/9
	if w := p.Power(); w <= 0 || w >= 60 {
		t.Fatalf("straddling report: %v", w)
	}
	clk.Advance(time.Minute)
	if w := p.Power(); w != 0 {
		t.Fatalf("full off window: %v", w)
	}
}

// Welded contacts: the firmware thinks OFF, so it zeroes the reading of its
// only relay although the load still draws power.
func TestWeldedIsInvisibleToTheMeter(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, InitialOn: true, LoadWatts: 60})
	p.SetFault(Fault{Welded: true})
	hk := map[string]string{"Api-Key": key}
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0"), hk), 200, "0")
	expectRelay(t, p, false, false)
	if !p.Powered(0) {
		t.Fatal("load lost power through welded contacts")
	}
	expect(t, do(t, "GET", base+"/api/power", nil, hk), 200, "0")
	p.SetFault(Fault{})
	if p.Powered(0) {
		t.Fatal("contacts did not open after repair")
	}
}

// Stuck: the target moves, the relay (and the power) does not.
func TestStuckRelay(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key, InitialOn: true, LoadWatts: 60})
	p.SetFault(Fault{Stuck: true})
	hk := map[string]string{"Api-Key": key}
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0"), hk), 200, "0")
	expectRelay(t, p, false, true)
	expect(t, do(t, "GET", base+"/api/relay/0", nil, hk), 200, "0")
	expect(t, do(t, "GET", base+"/api/power", nil, hk), 200, "60")
	p.SetFault(Fault{})
	expectRelay(t, p, false, false)
}
