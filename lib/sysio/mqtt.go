package sysio

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// MQTTOptions describe one broker connection.
type MQTTOptions struct {
	Broker   string // tcp://host:1883, ssl://host:8883, ws://host/path
	ClientID string
	Username string
	Password string
	TLS      TLSOptions
	Timeout  time.Duration // connect and each publish/subscribe
}

// MQTTMessage is one message, received or to publish.
type MQTTMessage struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// MQTTDialer connects to brokers. Errors are *NetError (NetAuth when credentials are refused).
type MQTTDialer interface {
	Connect(ctx context.Context, o MQTTOptions) (MQTTConn, error)
}

// MQTTConn is a live session. Messages are pulled with Receive, so an agent consumes them at
// points of its own choosing and a replay can hand them back in the same order.
type MQTTConn interface {
	Subscribe(ctx context.Context, topics ...string) error
	Publish(ctx context.Context, m MQTTMessage) error
	// Receive returns the next message, or ok=false when none arrived within wait.
	Receive(ctx context.Context, wait time.Duration) (m MQTTMessage, ok bool, err error)
	Close()
}

type realMQTT struct{}

type realConn struct {
	c       paho.Client
	timeout time.Duration
	mu      sync.Mutex
	queue   []MQTTMessage
	notify  chan struct{}
	lost    error
}

func (realMQTT) Connect(ctx context.Context, o MQTTOptions) (MQTTConn, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	rc := &realConn{timeout: o.Timeout, notify: make(chan struct{}, 1)}
	opts := paho.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetUsername(o.Username).SetPassword(o.Password).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(o.Timeout).
		SetOrderMatters(true).SetKeepAlive(30 * time.Second)
	if strings.HasPrefix(o.Broker, "ssl://") || strings.HasPrefix(o.Broker, "tls://") || strings.HasPrefix(o.Broker, "wss://") {
		tc, err := tlsConfig(o.TLS)
		if err != nil {
			return nil, &NetError{Kind: NetTLS, Msg: err.Error()}
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

func tlsConfig(o TLSOptions) (*tls.Config, error) {
	tc := &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // operator's explicit choice
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func mqttErr(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return &NetError{Kind: NetAuth, Msg: msg}
	}
	return classify(err)
}

func wait(ctx context.Context, tok paho.Token, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-t.C:
		return &NetError{Kind: NetTimeout, Msg: fmt.Sprintf("no answer from the broker within %s", d)}
	case <-ctx.Done():
		return &NetError{Kind: NetTimeout, Msg: ctx.Err().Error()}
	}
}

func (r *realConn) push(m paho.Message) {
	r.mu.Lock()
	r.queue = append(r.queue, MQTTMessage{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), QoS: m.Qos(), Retained: m.Retained()})
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

func (r *realConn) Publish(ctx context.Context, m MQTTMessage) error {
	return mqttErr0(wait(ctx, r.c.Publish(m.Topic, m.QoS, m.Retained, m.Payload), r.timeout))
}

func mqttErr0(err error) error {
	if err == nil {
		return nil
	}
	return mqttErr(err)
}

func (r *realConn) Receive(ctx context.Context, d time.Duration) (MQTTMessage, bool, error) {
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
			return MQTTMessage{}, false, &NetError{Kind: NetReset, Msg: "connection to the broker lost: " + lost.Error()}
		}
		select {
		case <-r.notify:
		case <-t.C:
			return MQTTMessage{}, false, nil
		case <-ctx.Done():
			return MQTTMessage{}, false, &NetError{Kind: NetTimeout, Msg: ctx.Err().Error()}
		}
	}
}

func (r *realConn) Close() { r.c.Disconnect(100) }
