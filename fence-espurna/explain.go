package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/espurna"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// explain turns a transport error into the one line an operator acts on.
func explain(err error, timeout time.Duration) string {
	var ne *sysio.NetError
	if !errors.As(err, &ne) {
		return err.Error()
	}
	switch ne.Kind {
	case sysio.NetTimeout:
		return fmt.Sprintf("no answer within %s (timeout)", timeout)
	case sysio.NetRefused:
		return "connection refused: wrong ipport, or the service is off"
	case sysio.NetReset:
		return "the peer closed the connection (reset)"
	case sysio.NetUnreachable:
		return "no route to the plug (host unreachable): it is unpowered, off the network, or the address is wrong"
	case sysio.NetDNS:
		return "cannot resolve the host name"
	case sysio.NetTLS:
		return "TLS failed (" + ne.Msg + "): give the CA with ca_file, or set ssl_insecure=1"
	case sysio.NetAuth:
		return "the broker refused our username/password"
	}
	return ne.Msg
}

// validate checks the configuration without touching any device.
func validate(r *fence.Request) error {
	v := r.Values
	if v.String("transport") == "mqtt" && v.String("mqtt_broker") == "" {
		return errors.New("transport=mqtt needs mqtt_broker (e.g. tcp://broker.lan:1883)")
	}
	all, err := resolve(r, r.Plugs)
	if err != nil {
		return err
	}
	inv := parseInventory(v.String("plugs"))
	if n := inv.twice; n != "" {
		// Only the last entry would count: a node's other supplies would never be switched.
		return fmt.Errorf("plugs: node %q is listed twice; a node fed by several plugs lists them in one entry, separated by commas (%s=plugA,plugB)", n, n)
	}
	for _, entry := range inv.order {
		for _, a := range strings.Split(entry, ",") { // a dual-PSU node lists several plugs
			p, err := espurna.ParsePlug(a, v.String("ip"), hostOffset(v))
			if err != nil {
				return fmt.Errorf("plugs: %v", err)
			}
			all = append(all, p)
		}
	}
	if v.String("transport") == "mqtt" && !strings.Contains(v.String("mqtt_topic"), "{host}") {
		for _, p := range all {
			if p.Host != all[0].Host {
				return fmt.Errorf("mqtt_topic %q has no {host}, so plugs %s and %s would read one topic: put {host} in it", v.String("mqtt_topic"), all[0].Host, p.Host)
			}
		}
	}
	return nil
}
