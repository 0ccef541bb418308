package plug

import (
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"strings"
	"time"
)

// Outgoing MQTT: heartbeat, relay state, power, the JSON batch.

// periodic re-publishes the heartbeat and, when the sensor reports on a
// schedule, the power reading.
func (l *mqttLink) periodic(hb time.Duration) {
	if hb == 0 {
		hb = 300 * time.Second
	}
	var hbC, pwC <-chan time.Time
	if hb > 0 {
		t := time.NewTicker(hb)
		defer t.Stop()
		hbC = t.C
	}
	if every := l.p.cfg.ReportEvery; every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		pwC = t.C
	}
	for {
		select {
		case <-l.stop:
			return
		case <-hbC:
			l.p.mu.Lock()
			l.p.heartbeatLocked()
			l.p.unlockAndFlush()
		case <-pwC:
			l.p.mu.Lock()
			now := l.p.cfg.Clock()
			l.p.advanceLocked(now)
			l.p.publishPowerLocked(now)
			l.p.unlockAndFlush()
		}
	}
}

// heartbeatLocked: status "1" (always retained) and every relay's current
// state, as at connect.
func (p *Plug) heartbeatLocked() {
	l := p.mqtt
	if l == nil || !l.isConnected() {
		return
	}
	l.publishLocked(l.root+"/status", "1", true)
	for id := range p.relays {
		p.publishRelayLocked(id)
	}
}

// publishRelayLocked reports the CURRENT status, never the target.
func (p *Plug) publishRelayLocked(id int) {
	v := "0"
	if p.relays[id].current {
		v = "1"
	}
	p.sendLocked("relay/"+strconv.Itoa(id), v)
}

func (p *Plug) publishPowerLocked(now time.Time) {
	if v, ok := p.magnitudeLocked(now, "power"); ok {
		p.sendLocked("power", v)
	}
}

// sendLocked is mqttSend(): batched into <root>/data in JSON mode.
func (p *Plug) sendLocked(rel, payload string) {
	l := p.mqtt
	if l == nil || !l.isConnected() {
		return
	}
	if !l.cfg.JSON {
		l.publishLocked(l.root+"/"+rel, payload, l.retain)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.batch {
		if e.k == rel {
			l.batch = append(l.batch[:i], l.batch[i+1:]...)
			break
		}
	}
	l.batch = append(l.batch, kv{rel, payload})
	if l.batchTimer == nil {
		l.batchTimer = time.AfterFunc(jsonDelay, l.flushBatch)
	} else {
		l.batchTimer.Reset(jsonDelay)
	}
}

// flushBatch is mqttFlush(): one JSON object, always retain=false.
func (l *mqttLink) flushBatch() {
	p := l.p
	p.mu.Lock()
	defer p.unlockAndFlush()
	l.mu.Lock()
	batch := l.batch
	l.batch = nil
	l.msgID++
	id := l.msgID
	l.mu.Unlock()
	if len(batch) == 0 || !l.isConnected() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"mac":%q,"host":%q,"ip":%q,"id":%d`, p.mac(), p.cfg.Name, p.ip(), id)
	for _, e := range batch {
		v := e.v
		if !isNumber(v) {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, ",%q:%s", e.k, v)
	}
	b.WriteByte('}')
	l.publishLocked(l.root+"/data", b.String(), false)
}

// publishLocked records the message and queues the actual publish so that
// messages leave in the order the state changed.
func (l *mqttLink) publishLocked(topic, payload string, retain bool) {
	p := l.p
	if p.fault.Silent {
		return
	}
	p.recordLocked(p.cfg.Clock(), Event{Kind: EvMQTTPublish, Topic: topic, Payload: payload, Retained: retain})
	c, qos := l.client, l.cfg.QoS
	p.queueLocked(func() { c.Publish(topic, qos, retain, payload) })
}

func (l *mqttLink) isConnected() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connected
}

// mac and ip fill the JSON batch like MQTT_ENQUEUE_MAC/IP.
func (p *Plug) mac() string {
	h := fnv.New32a()
	h.Write([]byte(p.cfg.Name))
	s := h.Sum32()
	return fmt.Sprintf("5C:CF:7F:%02X:%02X:%02X", byte(s>>16), byte(s>>8), byte(s))
}

func (p *Plug) ip() string {
	if p.server != nil {
		if host, _, err := net.SplitHostPort(p.server.addr); err == nil {
			return host
		}
	}
	return "0.0.0.0"
}
