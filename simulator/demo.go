package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/urfave/cli/v2"
)

// demoCommand is the README's main job: real fence_espurna runs against emulated plugs, one over
// HTTP (1.15-dev firmware) and one over MQTT through a real mosquitto, then what each plug saw.
var demoCommand = &cli.Command{
	Name:  "demo",
	Usage: "run fence_espurna status/off/status/on/reboot against emulated plugs and show their timelines",
	Flags: []cli.Flag{&cli.StringFlag{Name: "agent", Value: "fence_espurna", Usage: "path of the fence_espurna binary"}},
	Action: func(c *cli.Context) error {
		const key = "demo-api-key-0123"
		start := time.Now()
		type target struct {
			title string
			plug  *plug.Plug
			args  []string
		}
		var targets []target

		web := plug.New(plug.Config{Name: "node2-plug", Dialect: plug.V2, APIKey: key, InitialOn: true, LoadWatts: 120})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go web.Serve(ln)
		defer web.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		targets = append(targets, target{"HTTP, ESPurna 1.15-dev, node2", web,
			[]string{"ip=127.0.0.1", "ipport=" + port, "apikey=" + key, "plug=0", "power_off_threshold=5"}})

		if mosquitto.Available() {
			b, err := mosquitto.Start(mosquitto.Options{})
			if err != nil {
				return err
			}
			defer b.Stop()
			// 1.15-dev: it answers the heartbeat query, so status reads the relay live (1.14
			// answers none, and an MQTT status there fails saying so).
			m := plug.New(plug.Config{Name: "node3-plug", Dialect: plug.V2, InitialOn: true, LoadWatts: 95, MQTT: &plug.MQTTConfig{Broker: b.URL}})
			ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
			defer cancel()
			if err := m.StartMQTT(ctx); err != nil {
				return err
			}
			defer m.Close()
			targets = append(targets, target{"MQTT via mosquitto " + b.URL + ", ESPurna 1.15-dev, node3", m,
				[]string{"transport=mqtt", "mqtt_broker=" + b.URL, "plug=node3-plug"}})
		} else {
			fmt.Println("(mosquitto is not installed: the MQTT part is skipped; `make deps` installs it)")
		}

		failed := 0
		for _, t := range targets {
			fmt.Printf("\n== %s\n", t.title)
			for _, step := range []struct {
				action string
				want   int
			}{{"status", 0}, {"off", 0}, {"status", 2}, {"on", 0}, {"reboot", 0}} {
				stdin := strings.Join(append(t.args, "action="+step.action, "nodename=demo-node", "power_wait=0",
					"stonith_status_sleep=0.2"), "\n") + "\n"
				cmd := exec.Command(c.String("agent"))
				cmd.Stdin = strings.NewReader(stdin)
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				t0 := time.Now()
				err := cmd.Run()
				code := cmd.ProcessState.ExitCode()
				if err != nil && code < 0 {
					return fmt.Errorf("running %s: %v", c.String("agent"), err)
				}
				mark := "ok"
				if code != step.want {
					mark, failed = "UNEXPECTED", failed+1
				}
				fmt.Printf("  fence_espurna -o %-7s exit %d  %6.2fs  %-24s %s\n", step.action, code, time.Since(t0).Seconds(),
					strings.TrimSpace(out.String()), mark)
				if code != step.want {
					fmt.Print(indent(errb.String()))
				}
			}
			fmt.Println("  what the plug saw:")
			for _, ev := range t.plug.Timeline() {
				fmt.Printf("    +%7.3fs %s\n", ev.Time.Sub(start).Seconds(), ev)
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d step(s) did not end as expected", failed)
		}
		fmt.Println("\ndemo finished: every step ended as expected")
		return nil
	},
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("      | " + l + "\n")
	}
	return b.String()
}
