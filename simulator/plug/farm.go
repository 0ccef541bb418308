package plug

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// FarmBase is the address below the first plug of a Farm: plug i (0-based)
// listens on 127.0.0.(FarmBase+1+i), which mirrors Isard's layout of
// "stonith base IP .100 + plug number".
const FarmBase = 100

// FarmIP is the loopback address of farm plug i.
func FarmIP(i int) string { return "127.0.0." + strconv.Itoa(FarmBase+1+i) }

// Farm runs several plugs, each on its own loopback IP and the same port.
type Farm struct {
	plugs []*Plug
	addrs []string
}

// NewFarm starts n plugs on FarmIP(0..n-1):port; cfg(i) configures plug i.
// MQTT, if configured, is left to the caller (Plug(i).StartMQTT).
func NewFarm(n, port int, cfg func(i int) Config) (*Farm, error) {
	if n < 1 || FarmBase+n > 254 {
		return nil, fmt.Errorf("plug: farm size %d out of range", n)
	}
	f := &Farm{}
	for i := 0; i < n; i++ {
		c := Config{}
		if cfg != nil {
			c = cfg(i)
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("plug%d", i+1)
		}
		addr := net.JoinHostPort(FarmIP(i), strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			f.Close()
			return nil, err
		}
		p := New(c)
		if err := p.Start(ln); err != nil {
			f.Close()
			return nil, err
		}
		f.plugs = append(f.plugs, p)
		f.addrs = append(f.addrs, ln.Addr().String())
	}
	return f, nil
}

// Plug returns plug i.
func (f *Farm) Plug(i int) *Plug { return f.plugs[i] }

// Plugs returns all plugs, in address order.
func (f *Farm) Plugs() []*Plug { return append([]*Plug(nil), f.plugs...) }

// Addrs returns the "ip:port" of every plug.
func (f *Farm) Addrs() []string { return append([]string(nil), f.addrs...) }

// Close closes every plug.
func (f *Farm) Close() {
	for _, p := range f.plugs {
		p.Close()
	}
}

// FreePort finds a TCP port free on every given IP (default 127.0.0.1),
// by asking the kernel for one on the first IP and checking the others.
func FreePort(ips ...string) (int, error) {
	if len(ips) == 0 {
		ips = []string{"127.0.0.1"}
	}
	for try := 0; try < 20; try++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ok := true
		held := []net.Listener{ln}
		for _, ip := range ips[1:] {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if ok {
			return port, nil
		}
	}
	return 0, errors.New("plug: no port free on all addresses")
}
