package plug

import (
	"errors"
	"net"
	"sync/atomic"
)

// Control of the broker link: cutting it without DISCONNECT (crash,
// offline, reboot) and closing it cleanly.

var errDropped = errors.New("plug: network link dropped")

// dropConn lets the plug cut its own link. paho ignores read errors saying
// "use of closed network connection" (it assumes it closed the socket
// itself), so after kill the reads report errDropped instead.
type dropConn struct {
	net.Conn
	dropped atomic.Bool
}

func (c *dropConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && c.dropped.Load() {
		err = errDropped
	}
	return n, err
}

// kill resets the TCP connection: no DISCONNECT, so the broker publishes
// the will.
func (c *dropConn) kill() {
	c.dropped.Store(true)
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	c.Conn.Close()
}

// drop closes the socket under paho's feet: no DISCONNECT is sent, so the
// broker publishes the will.
func (l *mqttLink) drop(expected bool) bool {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	if c != nil && expected {
		l.expectLoss = true
	}
	l.mu.Unlock()
	if c == nil {
		return false
	}
	c.kill()
	return true
}

func (l *mqttLink) recordLWT(detail string) {
	p := l.p
	p.mu.Lock()
	p.recordLocked(p.cfg.Clock(), Event{Kind: EvLWT, Topic: l.root + "/status", Payload: "0", Retained: l.retain, Detail: detail})
	p.unlockAndFlush()
}

// setOnline gates dialing; going down drops the link (WiFi lost, crash).
func (l *mqttLink) setOnline(up bool) {
	l.mu.Lock()
	l.allowDial = up
	l.mu.Unlock()
	if !up {
		l.p.mu.Lock()
		crashed := l.p.crashed
		l.p.mu.Unlock()
		if l.drop(crashed) {
			l.recordLWT("connection dropped without DISCONNECT")
		}
	}
}

// bounce is a reboot: drop now, reconnect when paho retries.
func (l *mqttLink) bounce() {
	if l.drop(true) {
		l.recordLWT("reboot")
	}
}

// close disconnects cleanly (the broker discards the will).
func (l *mqttLink) close() {
	l.closeOnce.Do(func() {
		close(l.stop)
		l.mu.Lock()
		if l.batchTimer != nil {
			l.batchTimer.Stop()
		}
		l.mu.Unlock()
		l.client.Disconnect(250)
		l.mu.Lock()
		l.connected = false
		l.mu.Unlock()
	})
}
