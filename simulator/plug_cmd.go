package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/urfave/cli/v2"
)

// plugCommand runs one emulated ESPurna plug until it is told to stop, then prints what it saw.
var plugCommand = &cli.Command{
	Name:  "plug",
	Usage: "run an emulated ESPurna plug (HTTP API and/or MQTT)",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "name", Value: "espurna", Usage: "plug hostname (default MQTT root topic)"},
		&cli.StringFlag{Name: "listen", Usage: "HTTP address, e.g. 127.0.0.101:80 (empty: no HTTP)"},
		&cli.StringFlag{Name: "dialect", Value: "rest", Usage: "firmware API: legacy (<=1.13.2), rest (1.13.3-1.14), v2 (1.15-dev)"},
		&cli.StringFlag{Name: "apikey", EnvVars: []string{"FLOCK_PLUG_APIKEY"}, Usage: "API key (prefer the environment variable)"},
		&cli.StringFlag{Name: "mqtt-broker", Usage: "connect to this broker, e.g. tcp://127.0.0.1:1883"},
		&cli.BoolFlag{Name: "mqtt-json", Usage: "JSON mode (<root>/data)"},
		&cli.BoolFlag{Name: "mqtt-no-retain", Usage: "mqttRetain=0: relay states and the will are not retained"},
		&cli.StringFlag{Name: "fault", Usage: "faults in force, comma-separated: locked, malformed, stuck, silent, welded, power-stuck, hang, reset, offline"},
		&cli.DurationFlag{Name: "off-delay", Usage: "relayDelayOff: the contacts open this long after the command"},
		&cli.DurationFlag{Name: "heartbeat", Usage: "mqttHbIntvl (0: firmware default 300s)"},
		&cli.StringFlag{Name: "mqtt-user", Usage: "broker user name"},
		&cli.StringFlag{Name: "mqtt-password", EnvVars: []string{"FLOCK_PLUG_MQTT_PASSWORD"}, Usage: "broker password (prefer the environment variable)"},
		&cli.BoolFlag{Name: "on", Usage: "relay on at start"},
		&cli.Float64Flag{Name: "load", Value: 100, Usage: "watts the node draws when powered"},
		&cli.DurationFlag{Name: "report-every", Usage: "power meter report period (0: real time)"},
		&cli.DurationFlag{Name: "latency", Usage: "delay every HTTP answer by this much (a WiFi round trip)"},
		&cli.StringFlag{Name: "on-switch", Usage: "program run as PROG on|off whenever the load gains or loses power (the lab boots or kills a node)"},
		&cli.StringFlag{Name: "timeline", Usage: "keep the timeline so far in `FILE`, rewritten after every event (the lab reads it live)"},
	},
	Action: func(c *cli.Context) error {
		cfg := plug.Config{Name: c.String("name"), Dialect: plug.Dialect(c.String("dialect")), APIKey: c.String("apikey"),
			InitialOn: c.Bool("on"), LoadWatts: c.Float64("load"), ReportEvery: c.Duration("report-every"),
			OffDelay: c.Duration("off-delay"), Latency: c.Duration("latency")}
		fault, err := plug.ParseFaults(c.String("fault"))
		if err != nil {
			return err
		}
		if b := c.String("mqtt-broker"); b != "" {
			cfg.MQTT = &plug.MQTTConfig{Broker: b, JSON: c.Bool("mqtt-json"), Retain: plug.Bool(!c.Bool("mqtt-no-retain")),
				Username: c.String("mqtt-user"), Password: c.String("mqtt-password"), Heartbeat: c.Duration("heartbeat")}
		}
		if prog := c.String("on-switch"); prog != "" {
			cfg.OnSwitch = func(_ int, on bool) {
				arg := map[bool]string{true: "on", false: "off"}[on]
				if out, err := exec.Command(prog, arg).CombinedOutput(); err != nil {
					fmt.Fprintf(os.Stderr, "on-switch %s %s: %v: %s\n", prog, arg, err, out)
				}
			}
		}
		var p *plug.Plug
		if path := c.String("timeline"); path != "" {
			cfg.OnEvent = func() {
				if err := writeTimeline(path, p.Timeline()); err != nil {
					fmt.Fprintf(os.Stderr, "timeline: %v\n", err)
				}
			}
		}
		p = plug.New(cfg)
		defer p.Close()
		p.SetFault(fault)
		if addr := c.String("listen"); addr != "" {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			go p.Serve(ln)
		}
		if cfg.MQTT != nil {
			ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
			defer cancel()
			if err := p.StartMQTT(ctx); err != nil {
				return err
			}
		}
		if path := c.String("timeline"); path != "" {
			if err := writeTimeline(path, p.Timeline()); err != nil {
				return err
			}
		}
		fmt.Printf("plug %s ready\n", cfg.Name)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		for _, ev := range p.Timeline() {
			fmt.Println(ev)
		}
		return nil
	},
}

// writeTimeline replaces path atomically, so a reader never sees half a timeline.
func writeTimeline(path string, events []plug.Event) error {
	var b strings.Builder
	for _, ev := range events {
		b.WriteString(ev.String())
		b.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
