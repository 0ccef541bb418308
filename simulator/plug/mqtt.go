package plug

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// MQTTConfig holds the firmware's MQTT settings (mqtt*), with their defaults.
type MQTTConfig struct {
	Broker             string // "tcp://host:port" or "host:port"; stock firmware has no TLS
	Username, Password string
	Root               string // mqttTopic; default Config.Name ("{hostname}")
	JSON               bool   // mqttUseJson: batch outgoing messages into <root>/data
	Retain             *bool  // mqttRetain; nil means true (firmware default)
	QoS                byte   // mqttQoS, default 0
	ClientID           string // default Config.Name
	KeepAlive          time.Duration
	// ReconnectDelay caps the wait between reconnect attempts (firmware
	// MQTT_RECONNECT_DELAY_MIN 5s); default 5s.
	ReconnectDelay time.Duration
	// SkipTime is mqttSkipTime: messages received this soon after
	// connecting are dropped. Default 0, so a retained <root>/relay/N/set
	// is applied at every (re)connect, as real firmware does.
	SkipTime time.Duration
	// DisconnectStatus is relayMqttDisc: "" (none, default), "on", "off"
	// or "toggle", applied when the broker connection is lost.
	DisconnectStatus string
	// Heartbeat is mqttHbIntvl: status and relay states are re-published
	// this often; 0 means 300s, negative only at connect.
	Heartbeat time.Duration
}

// jsonDelay is MQTT_USE_JSON_DELAY: the batch goes out this long after the
// last message queued.
const jsonDelay = 100 * time.Millisecond

type kv struct{ k, v string }

type mqttLink struct {
	p      *Plug
	cfg    MQTTConfig
	root   string
	retain bool
	client paho.Client
	stop   chan struct{}
	ready  chan struct{} // closed after the first connect has subscribed

	mu          sync.Mutex
	conn        *dropConn
	allowDial   bool
	connected   bool
	connectedAt time.Time
	expectLoss  bool // the drop is a crash/reboot: no relayMqttDisc
	batch       []kv
	batchTimer  *time.Timer
	msgID       int
	readyOnce   sync.Once
	closeOnce   sync.Once
}

// StartMQTT connects to the broker like the firmware: will <root>/status
// "0" (retained per mqttRetain), "1" retained on connect, subscription to
// <root>/relay/+/set and <root>/action/set, relay states published after
// each physical change. ctx only bounds the first connection; the link
// then lives, reconnecting as needed, until Close or Crash.
func (p *Plug) StartMQTT(ctx context.Context) error {
	p.mu.Lock()
	switch {
	case p.cfg.MQTT == nil:
		p.mu.Unlock()
		return errors.New("plug: no MQTT configuration")
	case p.mqtt != nil || p.closed:
		p.mu.Unlock()
		return errors.New("plug: MQTT already started or plug closed")
	}
	cfg := *p.cfg.MQTT
	l := &mqttLink{p: p, cfg: cfg, root: cfg.Root, retain: orTrue(cfg.Retain),
		stop: make(chan struct{}), ready: make(chan struct{})}
	if l.root == "" {
		l.root = p.cfg.Name
	}
	l.root = strings.TrimSuffix(l.root, "/")
	l.allowDial = !p.crashed && !p.fault.Offline
	p.mqtt = l
	p.mu.Unlock()

	if cfg.ClientID == "" {
		cfg.ClientID = p.cfg.Name
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 120 * time.Second
	}
	if cfg.ReconnectDelay <= 0 {
		cfg.ReconnectDelay = 5 * time.Second
	}
	broker := cfg.Broker
	if !strings.Contains(broker, "://") {
		broker = "tcp://" + broker
	}
	opts := paho.NewClientOptions().
		AddBroker(broker).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(false). // AsyncMqttClient default
		SetKeepAlive(cfg.KeepAlive).
		SetWill(l.root+"/status", "0", cfg.QoS, l.retain).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(cfg.ReconnectDelay).
		SetConnectTimeout(5 * time.Second).
		SetCustomOpenConnectionFn(l.dial).
		SetOnConnectHandler(l.onConnect).
		SetConnectionLostHandler(l.onLost)
	l.client = paho.NewClient(opts)

	tok := l.client.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
	}
	err := tok.Error()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		select {
		case <-l.ready:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		l.close()
		p.mu.Lock()
		p.mqtt = nil
		p.mu.Unlock()
		return fmt.Errorf("plug %s: mqtt connect: %w", p.cfg.Name, err)
	}
	go l.periodic(cfg.Heartbeat)
	return nil
}

// dial keeps the raw connection so Crash/Offline can drop it without
// DISCONNECT, and refuses while the plug is unreachable.
func (l *mqttLink) dial(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
	l.mu.Lock()
	allowed := l.allowDial
	l.mu.Unlock()
	if !allowed {
		return nil, errors.New("plug offline")
	}
	raw, err := net.DialTimeout("tcp", u.Host, o.ConnectTimeout)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.allowDial {
		raw.Close()
		return nil, errors.New("plug offline")
	}
	l.conn = &dropConn{Conn: raw}
	return l.conn, nil
}

func (l *mqttLink) onConnect(c paho.Client) {
	p := l.p
	l.mu.Lock()
	l.connected, l.connectedAt = true, time.Now()
	l.mu.Unlock()

	p.mu.Lock()
	p.recordLocked(p.cfg.Clock(), Event{Kind: EvMQTTConnect, Topic: l.root})
	l.publishLocked(l.root+"/status", "1", true) // mqttSendStatus: always retained
	p.unlockAndFlush()

	// Retained commands on these topics arrive now and are applied.
	for _, t := range []string{l.root + "/relay/+/set", l.root + "/action/set"} {
		c.Subscribe(t, l.cfg.QoS, l.onMessage).WaitTimeout(5 * time.Second)
	}

	p.mu.Lock()
	p.advanceLocked(p.cfg.Clock())
	for id := range p.relays {
		p.publishRelayLocked(id) // heartbeat at connect
	}
	p.unlockAndFlush()
	l.readyOnce.Do(func() { close(l.ready) })
}

func (l *mqttLink) onLost(_ paho.Client, err error) {
	p := l.p
	l.mu.Lock()
	l.connected, l.conn = false, nil
	expected := l.expectLoss
	l.expectLoss = false
	l.mu.Unlock()

	p.mu.Lock()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	p.recordLocked(now, Event{Kind: EvMQTTLost, Detail: err.Error()})
	if !expected && !p.crashed {
		if ps := parsePayload(l.cfg.DisconnectStatus, true); ps != psUnknown {
			for id := range p.relays {
				p.handlePayloadLocked(now, id, ps, "relayMqttDisc")
			}
			p.advanceLocked(now)
		}
	}
	p.unlockAndFlush()
}

// onMessage handles <root>/relay/N/set and <root>/action/set. Setting a relay to the state it
// already has publishes nothing (only a change is reported); "heartbeat" on the action topic,
// which re-publishes every relay, exists only in 1.15-dev (rpc.cpp), 1.14.1 knows "reboot".
func (l *mqttLink) onMessage(_ paho.Client, m paho.Message) {
	p := l.p
	payload := string(m.Payload())
	ev := Event{Kind: EvMQTTCommand, Topic: m.Topic(), Payload: payload, Retained: m.Retained()}
	l.mu.Lock()
	skip := l.cfg.SkipTime > 0 && time.Since(l.connectedAt) < l.cfg.SkipTime
	l.mu.Unlock()

	p.mu.Lock()
	defer p.unlockAndFlush()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	if skip || p.fault.Silent {
		ev.Detail = map[bool]string{true: "skipped (mqttSkipTime)", false: "lost (silent plug)"}[skip]
		p.recordLocked(now, ev)
		return
	}
	p.recordLocked(now, ev)
	rel := strings.TrimSuffix(strings.TrimPrefix(m.Topic(), l.root+"/"), "/set")
	if rel == "action" {
		switch {
		case payload == "reboot":
			p.queueLocked(p.reboot)
		case payload == "heartbeat" && p.cfg.Dialect == V2:
			p.heartbeatLocked()
		}
		return
	}
	idStr, ok := strings.CutPrefix(rel, "relay/")
	id, okID := p.parseID(idStr)
	if !ok || !okID {
		return
	}
	ps := parsePayload(payload, p.cfg.Dialect != V2)
	if ps == psUnknown {
		return // relayMQTTCallback drops it unanswered (1.14.1 and dev alike): no query here
	}
	p.handlePayloadLocked(now, id, ps, "mqtt")
	p.relays[id].report = true // mqttForward(): echo the state once it changes
	p.advanceLocked(now)
}
