package tape

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Each MQTT connection is a channel of its own, numbered by connect order per broker (a failed
// connect takes a number too, so a retry is the next one). The password is never on the tape;
// the client id is, but replay ignores it.

// mqttChannel names a broker session without the URL's user-info: a channel name is never
// redacted (replay finds exchanges by it), so it must not hold a credential to begin with.
func mqttChannel(broker string, n int) string {
	return fmt.Sprintf("mqtt %s #%d", sysio.WithoutUserInfo(broker), n)
}

func connectAsk(o sysio.MQTTOptions) []Field {
	ask := []Field{fld("connect", o.Broker)}
	if o.ClientID != "" {
		ask = append(ask, fld("client-id", o.ClientID))
	}
	if o.Username != "" {
		ask = append(ask, fld("username", o.Username))
	}
	if o.Timeout > 0 {
		ask = append(ask, fld("timeout", fmtDur(o.Timeout)))
	}
	return append(ask, tlsAskFields(o.TLS)...)
}

func publishAsk(m sysio.MQTTMessage) []Field {
	ask := []Field{fld("publish", m.Topic), fld("payload", string(m.Payload)), fld("qos", strconv.Itoa(int(m.QoS)))}
	if m.Retained {
		ask = append(ask, fld("retained"))
	}
	return ask
}

func receiveAsk(wait time.Duration) []Field { return []Field{fld("receive", fmtDur(wait))} }

func receiveAnswer(m sysio.MQTTMessage, ok bool, err error) []Field {
	switch {
	case err != nil:
		return []Field{errorField("mqtt", err)}
	case !ok:
		return []Field{fld("nothing")}
	}
	ans := []Field{fld("message", m.Topic), fld("payload", string(m.Payload)), fld("qos", strconv.Itoa(int(m.QoS)))}
	if m.Retained {
		ans = append(ans, fld("retained"))
	}
	return ans
}

type recMQTT struct{ r *recorder }

func (d recMQTT) Connect(ctx context.Context, o sysio.MQTTOptions) (sysio.MQTTConn, error) {
	d.r.secrets.add("the MQTT password", o.Password)
	d.r.secrets.fromURL("the MQTT broker URL", o.Broker)
	ch := d.r.nextConn(o.Broker)
	id := d.r.begin(ch, connectAsk(o))
	c, err := d.r.inner.MQTT.Connect(ctx, o)
	d.r.end(id, okOrError("mqtt", err))
	if err != nil {
		return nil, err
	}
	return &recConn{r: d.r, ch: ch, c: c}, nil
}

type recConn struct {
	r  *recorder
	ch string
	c  sysio.MQTTConn
}

func (c *recConn) Subscribe(ctx context.Context, topics ...string) error {
	id := c.r.begin(c.ch, []Field{fld("subscribe", topics...)})
	err := c.c.Subscribe(ctx, topics...)
	c.r.end(id, okOrError("mqtt", err))
	return err
}

func (c *recConn) Publish(ctx context.Context, m sysio.MQTTMessage) error {
	id := c.r.begin(c.ch, publishAsk(m))
	err := c.c.Publish(ctx, m)
	c.r.end(id, okOrError("mqtt", err))
	return err
}

func (c *recConn) Receive(ctx context.Context, wait time.Duration) (sysio.MQTTMessage, bool, error) {
	id := c.r.begin(c.ch, receiveAsk(wait))
	m, ok, err := c.c.Receive(ctx, wait)
	c.r.end(id, receiveAnswer(m, ok, err))
	return m, ok, err
}

func (c *recConn) Close() {
	id := c.r.begin(c.ch, []Field{fld("close")})
	c.c.Close()
	c.r.end(id, []Field{fld("ok")})
}

type playMQTT struct{ p *player }

func (d playMQTT) Connect(_ context.Context, o sysio.MQTTOptions) (sysio.MQTTConn, error) {
	ch := d.p.nextConn(o.Broker)
	if err := mqttCall(d.p, ch, connectAsk(o)); err != nil {
		return nil, err
	}
	return &playConn{p: d.p, ch: ch}, nil
}

// mqttCall serves an operation that answers only ok or an error; a divergence reaches the agent
// as the *sysio.NetError every MQTT failure is.
func mqttCall(p *player, ch string, ask []Field) error {
	e, err := p.serve(ch, ask)
	if err != nil {
		return &sysio.NetError{Kind: sysio.NetOther, Msg: err.Error()}
	}
	return answerError("mqtt", e.Answer)
}

type playConn struct {
	p  *player
	ch string
}

func (c *playConn) Subscribe(_ context.Context, topics ...string) error {
	return mqttCall(c.p, c.ch, []Field{fld("subscribe", topics...)})
}

func (c *playConn) Publish(_ context.Context, m sysio.MQTTMessage) error {
	return mqttCall(c.p, c.ch, publishAsk(m))
}

func (c *playConn) Receive(_ context.Context, wait time.Duration) (sysio.MQTTMessage, bool, error) {
	e, err := c.p.serve(c.ch, receiveAsk(wait))
	if err != nil {
		return sysio.MQTTMessage{}, false, &sysio.NetError{Kind: sysio.NetOther, Msg: err.Error()}
	}
	if err := answerError("mqtt", e.Answer); err != nil {
		return sysio.MQTTMessage{}, false, err
	}
	if !has(e.Answer, "message") {
		return sysio.MQTTMessage{}, false, nil
	}
	qos, _ := strconv.Atoi(arg(e.Answer, "qos")) // checked by the schema
	return sysio.MQTTMessage{Topic: arg(e.Answer, "message"), Payload: []byte(arg(e.Answer, "payload")),
		QoS: byte(qos), Retained: has(e.Answer, "retained")}, true, nil
}

// Close has nothing to report to the agent; a divergence is still kept for the verdict.
func (c *playConn) Close() { _, _ = c.p.serve(c.ch, []Field{fld("close")}) }
