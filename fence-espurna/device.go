package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/espurna"
	"github.com/isard-vdi/flock-agents/lib/safego"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// device serves one action. Plug names arrive from the runtime as Pacemaker gave them; each may
// stand for several relays (a node alias in `plugs`), all of which must agree.
type device struct {
	r     *fence.Request
	http  *espurna.HTTP
	mqtt  *espurna.MQTT
	conn  sysio.MQTTConn
	topic string
}

func open(ctx context.Context, r *fence.Request) (fence.Device, error) {
	d := &device{r: r, topic: r.Values.String("mqtt_topic")}
	if r.Values.String("transport") == "mqtt" {
		return d, d.connect(ctx)
	}
	key, err := apiKey(r)
	if err != nil {
		return nil, err
	}
	v := r.Values
	tlsOn := v.Bool("ssl") || v.Bool("ssl_secure") || v.Bool("ssl_insecure")
	scheme, port := "http", int(v.Int("ipport"))
	if tlsOn {
		scheme = "https"
		if !v.IsSet("ipport") {
			port = 443
		}
	}
	d.http = &espurna.HTTP{Client: r.Proc.HTTP, Scheme: scheme, Port: port, APIKey: key,
		Dialect: espurna.Dialect(v.String("api_version")), Timeout: requestTimeout(r),
		TLS: sysio.TLSOptions{Insecure: v.Bool("ssl_insecure"), CAFile: v.String("ca_file")}}
	return d, nil
}

func apiKey(r *fence.Request) (string, error) {
	if s := r.Values.String("apikey_script"); s != "" {
		k, err := fence.Script(r, s)
		if err != nil {
			return "", fmt.Errorf("apikey_script: %w", err)
		}
		return k, nil
	}
	if k := r.Values.String("apikey"); k != "" {
		return k, nil
	}
	if r.Password != "" {
		return r.Password, nil
	}
	return "", errors.New("no API key: set apikey (the key shown under Admin > API on the plug)")
}

// requestTimeout is shell_timeout: how long one exchange with a plug may take.
func requestTimeout(r *fence.Request) time.Duration {
	if t := r.Values.Duration("shell_timeout"); t > 0 {
		return t
	}
	return 5 * time.Second
}

func (d *device) connect(ctx context.Context) error {
	v := d.r.Values
	broker := v.String("mqtt_broker")
	_, host, ok := strings.Cut(sysio.WithoutUserInfo(broker), "://") // user-info is never printed
	if !ok {
		host = broker[strings.LastIndex(broker, "@")+1:] // no scheme: whatever precedes an '@' may be one
	}
	login := v.Duration("login_timeout")
	if login <= 0 {
		login = 5 * time.Second
	}
	conn, err := d.r.Proc.MQTT.Connect(ctx, sysio.MQTTOptions{Broker: broker,
		ClientID: fmt.Sprintf("fence_espurna-%d-%d", os.Getpid(), d.r.Proc.Clock.Now().UnixNano()%1e6),
		Username: v.String("username"), Password: d.r.Password, Timeout: login,
		TLS: sysio.TLSOptions{Insecure: v.Bool("ssl_insecure"), CAFile: v.String("ca_file"),
			CertFile: v.String("mqtt_client_cert"), KeyFile: v.String("mqtt_client_key")}})
	if err != nil {
		return fmt.Errorf("MQTT broker %s: %s", host, explain(err, login))
	}
	d.conn = conn
	d.mqtt = &espurna.MQTT{Conn: conn, Clock: d.r.Proc.Clock, Wait: requestTimeout(d.r)}
	return nil
}

func (d *device) Close() {
	if d.conn != nil {
		d.conn.Close()
	}
}

func (d *device) root(p espurna.Plug) string { return strings.ReplaceAll(d.topic, "{host}", p.Host) }

// Status and SetPower serve single plugs; the runtime uses the batch forms below.
func (d *device) Status(ctx context.Context, plug string) (fence.State, error) {
	st, errs := d.StatusAll(ctx, []string{plug})
	return st[0], errs[0]
}

func (d *device) SetPower(ctx context.Context, plug string, on bool) error {
	return d.SetAll(ctx, []string{plug}, on)[0]
}

// StatusAll reads every relay behind every plug name: on if any is on, off only if all are.
func (d *device) StatusAll(ctx context.Context, names []string) ([]fence.State, []error) {
	st := make([]fence.State, len(names))
	errs := make([]error, len(names))
	groups := make([][]espurna.Plug, len(names))
	var all []espurna.Plug
	for i, n := range names {
		groups[i], errs[i] = resolve(d.r, []string{n})
		all = append(all, groups[i]...)
	}
	states, perr := d.relays(ctx, all)
	k := 0
	for i := range names {
		if errs[i] != nil {
			continue
		}
		st[i] = fence.Off
		for range groups[i] {
			switch {
			case perr[k] != nil:
				st[i], errs[i] = fence.Unknown, perr[k]
			case states[k] == fence.On && errs[i] == nil:
				st[i] = fence.On
			case states[k] == fence.Unknown && errs[i] == nil && st[i] != fence.On:
				st[i] = fence.Unknown
			}
			k++
		}
	}
	return st, errs
}

// SetAll switches every relay behind every plug name.
func (d *device) SetAll(ctx context.Context, names []string, on bool) []error {
	errs := make([]error, len(names))
	var all []espurna.Plug
	owner := []int{}
	for i, n := range names {
		ps, err := resolve(d.r, []string{n})
		errs[i] = err
		for _, p := range ps {
			all = append(all, p)
			owner = append(owner, i)
		}
	}
	for k, err := range d.set(ctx, all, on) {
		if err != nil && errs[owner[k]] == nil {
			errs[owner[k]] = err
		}
	}
	return errs
}

// Settle: over HTTP the plug answers its relay's target, and ESPurna's flood protection (more
// than relayFloodChanges changes within relayFloodTime, 3 s by default) holds a change back until
// the window ends; an off read before then may not have happened, and a reboot's on would cancel
// it. Over MQTT the plug reports its relay after the change, so nothing needs to settle.
func (d *device) Settle() time.Duration {
	if d.mqtt != nil {
		return 0
	}
	return floodWindow + loopLag
}

// floodWindow is ESPurna's RELAY_FLOOD_WINDOW (relayFloodTime), the longest its flood
// protection postpones a change when relayDelayOff is 0, as a fencing plug needs. loopLag is a
// margin for the firmware's main loop, which applies a change due at the window's end on a pass
// after it, while its web server answers the target at once.
const (
	floodWindow = 3 * time.Second
	loopLag     = 500 * time.Millisecond
)

// Switches is how many relays the plugs name: a switch fails where a read before it would.
// Over HTTP the plug answers a command with the relay's state, and SetRelay fails unless it is
// the one asked for; over MQTT set commands only a plug whose status says it is online.
func (d *device) Switches(names []string) int {
	plugs, err := resolve(d.r, names)
	if err != nil {
		return 0
	}
	return len(plugs)
}

// byHost runs f for each host's plugs: hosts concurrently, one host's relays in order, so
// requests to one plug never race each other (and a tape of them replays). It returns, per
// plug, the panic that stopped its host's goroutine, if any.
func byHost(plugs []espurna.Plug, f func(i int, p espurna.Plug)) []error {
	hosts := map[string][]int{}
	var order []string
	for i, p := range plugs {
		if _, ok := hosts[p.Host]; !ok {
			order = append(order, p.Host)
		}
		hosts[p.Host] = append(hosts[p.Host], i)
	}
	perHost := safego.Each(len(order), func(h int) error {
		for _, i := range hosts[order[h]] {
			f(i, plugs[i])
		}
		return nil
	})
	out := make([]error, len(plugs))
	for h, err := range perHost {
		for _, i := range hosts[order[h]] {
			if err != nil {
				out[i] = fmt.Errorf("%s: %w", plugs[i], err)
			}
		}
	}
	return out
}
