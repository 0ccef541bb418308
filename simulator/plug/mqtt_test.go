package plug

import (
	"context"
	"strings"
	"testing"
	"time"
)

func mqttCfg(broker string) *MQTTConfig {
	return &MQTTConfig{Broker: broker, ReconnectDelay: time.Second}
}

// Connect: "1" retained on <root>/status, relay state (current, retained);
// a command is echoed as the new current state after the physical change.
func TestMQTTStateAndCommand(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	p := startMQTTPlug(t, Config{Name: "sp22", InitialOn: true, OffDelay: 100 * time.Millisecond, MQTT: mqttCfg(broker)})

	m, _ := w.wait(t, 0, "sp22/status", "1")
	_, i := w.wait(t, 0, "sp22/relay/0", "1")
	if m.retained {
		t.Fatal("live message flagged retained") // the watcher was subscribed already
	}

	w.publish(t, "sp22/relay/0/set", "OFF", false)
	w.wait(t, i+1, "sp22/relay/0", "0")
	expectRelay(t, p, false, false)

	// The state message follows the physical change, never the target.
	var sw, pub int = -1, -1
	for k, e := range p.Timeline() {
		switch {
		case e.Kind == EvSwitch && !e.On:
			sw = k
		case e.Kind == EvMQTTPublish && e.Topic == "sp22/relay/0" && e.Payload == "0":
			pub = k
		}
	}
	if sw < 0 || pub < sw {
		t.Fatalf("publish before switch:\n%s", dump(p))
	}

	// A late subscriber sees the retained state and status.
	late := newWatcher(t, broker, "sp22/#")
	if m, _ := late.wait(t, 0, "sp22/relay/0", "0"); !m.retained {
		t.Fatal("state not retained")
	}
	if m, _ := late.wait(t, 0, "sp22/status", "1"); !m.retained {
		t.Fatal("status not retained")
	}
}

// Real firmware applies a retained .../set found at (re)connect.
func TestMQTTRetainedCommandApplied(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	w.publish(t, "sp22/relay/0/set", "0", true)
	p := startMQTTPlug(t, Config{Name: "sp22", InitialOn: true, MQTT: mqttCfg(broker)})
	e := waitEvent(t, p, "retained command", func(e Event) bool { return e.Kind == EvMQTTCommand })
	if !e.Retained || e.Payload != "0" {
		t.Fatalf("command %v", e)
	}
	waitEvent(t, p, "power off", func(e Event) bool { return e.Kind == EvPower && !e.On })
	expectRelay(t, p, false, false)
}

// Crash: no DISCONNECT, so the broker publishes the will "0", retained.
func TestMQTTCrashPublishesWill(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/status")
	p := startMQTTPlug(t, Config{Name: "sp22", MQTT: mqttCfg(broker)})
	_, i := w.wait(t, 0, "sp22/status", "1")
	p.Crash()
	w.wait(t, i+1, "sp22/status", "0")
	waitEvent(t, p, "lwt", func(e Event) bool { return e.Kind == EvLWT })
	late := newWatcher(t, broker, "sp22/status")
	if m, _ := late.wait(t, 0, "sp22/status", "0"); !m.retained {
		t.Fatal("will not retained")
	}
}

// Offline (WiFi lost) and back: will "0", then "1" again; relayMqttDisc
// switches the relay on the way, a hazard for fencing.
func TestMQTTOfflineAndDisconnectStatus(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	cfg := mqttCfg(broker)
	cfg.DisconnectStatus = "on"
	p := startMQTTPlug(t, Config{Name: "sp22", MQTT: cfg})
	_, i := w.wait(t, 0, "sp22/status", "1")
	p.SetFault(Fault{Offline: true})
	_, i = w.wait(t, i+1, "sp22/status", "0")
	waitEvent(t, p, "relayMqttDisc", func(e Event) bool { return e.Kind == EvPower && e.On })
	p.SetFault(Fault{})
	_, i = w.wait(t, i+1, "sp22/status", "1")
	w.wait(t, i+1, "sp22/relay/0", "1")
}

// Stuck relay: API says off, MQTT keeps reporting the current (on) state.
func TestMQTTStuckReportsCurrent(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	p := startMQTTPlug(t, Config{Name: "sp22", Dialect: V2, InitialOn: true, MQTT: mqttCfg(broker)})
	_, i := w.wait(t, 0, "sp22/relay/0", "1")
	p.SetFault(Fault{Stuck: true})
	w.publish(t, "sp22/relay/0/set", "0", false)
	waitEvent(t, p, "command", func(e Event) bool { return e.Kind == EvMQTTCommand })
	expectRelay(t, p, false, true)
	w.publish(t, "sp22/action/set", "heartbeat", false) // dev: forces a report
	m, _ := w.wait(t, i+1, "sp22/relay/0", "*")
	if m.payload != "1" {
		t.Fatalf("stuck relay reported %q", m.payload)
	}
}

// JSON mode batches into <root>/data with retain=false.
func TestMQTTJSONBatch(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	cfg := mqttCfg(broker)
	cfg.JSON = true
	p := startMQTTPlug(t, Config{Name: "sp22", InitialOn: true, LoadWatts: 60, MQTT: cfg})
	m, i := w.wait(t, 0, "sp22/data", "*")
	if m.retained || !strings.Contains(m.payload, `"relay/0":1`) || !strings.Contains(m.payload, `"host":"sp22"`) {
		t.Fatalf("data %+v", m)
	}
	p.SetRelay(0, false)
	for {
		m, i = w.wait(t, i+1, "sp22/data", "*")
		if strings.Contains(m.payload, `"relay/0":0`) {
			break
		}
	}
	if !strings.Contains(m.payload, `"power":0`) {
		t.Fatalf("data %+v", m)
	}
	for _, m := range w.all() {
		if strings.HasPrefix(m.topic, "sp22/relay/") && !strings.HasSuffix(m.topic, "/set") {
			t.Fatalf("plain state message in JSON mode: %+v", m)
		}
	}
}

// Power is published on change in real-time mode.
func TestMQTTPowerTopic(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/power")
	p := startMQTTPlug(t, Config{Name: "sp22", LoadWatts: 60, MQTT: mqttCfg(broker)})
	p.SetRelay(0, true)
	_, i := w.wait(t, 0, "sp22/power", "60")
	p.SetRelay(0, false)
	w.wait(t, i+1, "sp22/power", "0")
}

func TestMQTTAuth(t *testing.T) {
	broker := startBroker(t, "plug", "s3cret")
	cfg := mqttCfg(broker)
	cfg.Username, cfg.Password = "plug", "s3cret"
	w := newWatcher(t, broker, "sp22/#", "plug", "s3cret")
	startMQTTPlug(t, Config{Name: "sp22", MQTT: cfg})
	w.wait(t, 0, "sp22/status", "1")

	bad := *cfg
	bad.Password = "wrong"
	p := New(Config{Name: "sp22b", MQTT: &bad})
	defer p.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := p.StartMQTT(ctx)
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad password: %v", err)
	}
	for _, e := range p.Timeline() {
		if strings.Contains(e.String(), "wrong") {
			t.Fatalf("timeline leaks the password: %v", e)
		}
	}
}

// <root>/action/set reboot: will "0", back online, relay OFF (boot mode).
func TestMQTTRebootAction(t *testing.T) {
	broker := startBroker(t)
	w := newWatcher(t, broker, "sp22/#")
	p := startMQTTPlug(t, Config{Name: "sp22", InitialOn: true, MQTT: mqttCfg(broker)})
	_, i := w.wait(t, 0, "sp22/status", "1")
	w.publish(t, "sp22/action/set", "reboot", false)
	_, i = w.wait(t, i+1, "sp22/status", "0")
	_, i = w.wait(t, i+1, "sp22/status", "1")
	w.wait(t, i+1, "sp22/relay/0", "0")
	expectRelay(t, p, false, false)
}
