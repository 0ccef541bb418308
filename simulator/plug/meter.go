package plug

import (
	"strconv"
	"time"
)

// Mains is the voltage the BL0937 reads; it is measured on the line side,
// so it stays when the relay is off.
const Mains = 230.0

// meter models the sensor module: instantaneous readings taken every
// every/10 (firmware: read 6s, report every 10 reads) and a report at every
// 10th read whose value is ESPurna's MedianFilter over that window. The
// history of instantaneous values lets a fake clock query any instant.
type meter struct {
	t0    time.Time
	every time.Duration
	hist  []sample // changes of the instantaneous value, in time order
}

type sample struct {
	t time.Time
	w float64
}

func (m *meter) start(now time.Time, every time.Duration, w float64) {
	m.t0, m.every = now, every
	m.hist = []sample{{now, w}}
}

// restart begins a new report cycle (firmware reboot: nothing reported yet).
func (m *meter) restart(now time.Time) {
	w := m.at(now)
	m.start(now, m.every, w)
}

func (m *meter) set(t time.Time, w float64) {
	last := m.hist[len(m.hist)-1]
	if last.w == w {
		return
	}
	if t.Before(last.t) {
		t = last.t
	}
	m.hist = append(m.hist, sample{t, w})
}

func (m *meter) at(t time.Time) float64 {
	w := m.hist[0].w
	for _, s := range m.hist {
		if s.t.After(t) {
			break
		}
		w = s.w
	}
	return w
}

// reported is what the API and MQTT give: the instant value in real-time
// mode, else the last report (0 before the first one, as after boot).
func (m *meter) reported(now time.Time) float64 {
	if m.every <= 0 {
		return m.at(now)
	}
	k := int(now.Sub(m.t0) / m.every)
	if k <= 0 {
		return 0
	}
	readAt := func(j int) time.Time { return m.t0.Add(m.every * time.Duration(j) / 10) }
	first := 10*(k-1) + 1
	if k > 1 {
		first-- // MedianFilter::reset keeps the previous window's last read
	}
	vals := make([]float64, 0, 11)
	for j := first; j <= 10*k; j++ {
		vals = append(vals, m.at(readAt(j)))
	}
	m.prune(readAt(first))
	return medianFilter(vals)
}

// prune drops history no report can need any more.
func (m *meter) prune(before time.Time) {
	i := 0
	for i+1 < len(m.hist) && !m.hist[i+1].t.After(before) {
		i++
	}
	m.hist = m.hist[i:]
}

// medianFilter is ESPurna's MedianFilter::result(): the mean of the medians
// of each consecutive triple. A window straddling a switch-off therefore
// reports a value between the load and zero, not zero.
func medianFilter(v []float64) float64 {
	switch {
	case len(v) > 2:
		sum := 0.0
		for i := 1; i <= len(v)-2; i++ {
			a, b, c := v[i-1], v[i], v[i+1]
			if a > b {
				a, b = b, a
			}
			if b > c {
				b = c
			}
			if a > b {
				b = a
			}
			sum += b
		}
		return sum / float64(len(v)-2)
	case len(v) > 0:
		return v[0]
	}
	return 0
}

// measuredLocked is the instantaneous active power. With a single relay the
// firmware forces power and current to 0 whenever the relay is OFF
// (SENSOR_POWER_CHECK_STATUS), whatever really flows.
func (p *Plug) measuredLocked() float64 {
	if p.fault.PowerStuck {
		return p.cfg.LoadWatts
	}
	if len(p.relays) == 1 && !p.relays[0].current {
		return 0
	}
	w := 0.0
	for _, r := range p.relays {
		if r.contact {
			w += p.cfg.LoadWatts
		}
	}
	return w
}

func (p *Plug) meterChangedLocked(at time.Time) {
	before := p.meter.at(at)
	p.meter.set(at, p.measuredLocked())
	if p.cfg.ReportEvery <= 0 && p.meter.at(at) != before {
		p.publishPowerLocked(at) // real-time mode: report on change
	}
}

// Power is the active power the plug reports now (over HTTP and MQTT).
func (p *Plug) Power() float64 {
	p.mu.Lock()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	w := p.meter.reported(now)
	p.unlockAndFlush()
	return w
}

// magnitudes served under /api/<name>, with the firmware's decimals.
var magnitudes = []string{"current", "voltage", "power"}

func (p *Plug) magnitudeLocked(now time.Time, name string) (string, bool) {
	w := p.meter.reported(now)
	switch name {
	case "power":
		return strconv.FormatFloat(w, 'f', 0, 64), true
	case "current":
		return strconv.FormatFloat(w/Mains, 'f', 3, 64), true
	case "voltage":
		return strconv.FormatFloat(Mains, 'f', 0, 64), true
	}
	return "", false
}
