// Package mqttio is the real MQTT kind of lib/sysio's IO (the paho client). Only agents that
// speak MQTT link it: see sysio.Real.
package mqttio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
)

// New returns the MQTT dialer of this machine, for sysio.World.MQTT.
func New() sysio.MQTTDialer { return dialer{} }

type dialer struct{}

type realConn struct {
	c       paho.Client
	timeout time.Duration
	mu      sync.Mutex
	queue   []sysio.MQTTMessage
	notify  chan struct{}
	lost    error
}

func (dialer) Connect(ctx context.Context, o sysio.MQTTOptions) (sysio.MQTTConn, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	rc := &realConn{timeout: o.Timeout, notify: make(chan struct{}, 1)}
	opts := paho.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetUsername(o.Username).SetPassword(o.Password).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(o.Timeout).
		SetOrderMatters(true).SetKeepAlive(30 * time.Second)
	if strings.HasPrefix(o.Broker, "ssl://") || strings.HasPrefix(o.Broker, "tls://") || strings.HasPrefix(o.Broker, "wss://") {
		tc, err := httpio.TLSConfig(o.TLS)
		if err != nil {
			return nil, &sysio.NetError{Kind: sysio.NetTLS, Msg: err.Error()}
		}
		opts.SetTLSConfig(tc)
	}
	opts.SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { rc.push(m) })
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		rc.mu.Lock()
		rc.lost = err
		rc.mu.Unlock()
		rc.wake()
	})
	rc.c = paho.NewClient(opts)
	tok := rc.c.Connect()
	if err := wait(ctx, tok, o.Timeout); err != nil {
		rc.c.Disconnect(0)
		return nil, mqttErr(err)
	}
	return rc, nil
}

func mqttErr(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return &sysio.NetError{Kind: sysio.NetAuth, Msg: msg}
	}
	return httpio.Classify(err)
}

func wait(ctx context.Context, tok paho.Token, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-t.C:
		return &sysio.NetError{Kind: sysio.NetTimeout, Msg: fmt.Sprintf("no answer from the broker within %s", d)}
	case <-ctx.Done():
		return &sysio.NetError{Kind: sysio.NetTimeout, Msg: ctx.Err().Error()}
	}
}

func (r *realConn) push(m paho.Message) {
	r.mu.Lock()
	r.queue = append(r.queue, sysio.MQTTMessage{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), QoS: m.Qos(), Retained: m.Retained()})
	r.mu.Unlock()
	r.wake()
}

func (r *realConn) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *realConn) Subscribe(ctx context.Context, topics ...string) error {
	filters := map[string]byte{}
	for _, t := range topics {
		filters[t] = 1
	}
	return mqttErr0(wait(ctx, r.c.SubscribeMultiple(filters, nil), r.timeout))
}

func (r *realConn) Publish(ctx context.Context, m sysio.MQTTMessage) error {
	return mqttErr0(wait(ctx, r.c.Publish(m.Topic, m.QoS, m.Retained, m.Payload), r.timeout))
}

func mqttErr0(err error) error {
	if err == nil {
		return nil
	}
	return mqttErr(err)
}

func (r *realConn) Receive(ctx context.Context, d time.Duration) (sysio.MQTTMessage, bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		r.mu.Lock()
		if len(r.queue) > 0 {
			m := r.queue[0]
			r.queue = r.queue[1:]
			r.mu.Unlock()
			return m, true, nil
		}
		lost := r.lost
		r.mu.Unlock()
		if lost != nil {
			return sysio.MQTTMessage{}, false, &sysio.NetError{Kind: sysio.NetReset, Msg: "connection to the broker lost: " + lost.Error()}
		}
		select {
		case <-r.notify:
		case <-t.C:
			return sysio.MQTTMessage{}, false, nil
		case <-ctx.Done():
			return sysio.MQTTMessage{}, false, &sysio.NetError{Kind: sysio.NetTimeout, Msg: ctx.Err().Error()}
		}
	}
}

func (r *realConn) Close() { r.c.Disconnect(100) }
