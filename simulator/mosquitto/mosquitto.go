// Package mosquitto starts a real mosquitto broker on a loopback port for tests, the demo and
// the lab. It is the world side of the MQTT seam: nothing here is used by an agent.
package mosquitto

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Binary is where Debian installs the broker.
const Binary = "/usr/sbin/mosquitto"

// Options of a broker; the zero value is an anonymous broker on a free port of 127.0.0.1.
type Options struct {
	Users             map[string]string // username -> password; when set, anonymous access is off
	CertFile, KeyFile string            // serve TLS (ssl://) instead of plain TCP
}

// Broker is a running mosquitto.
type Broker struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	dir  string
	log  *bytes.Buffer
}

// Available reports whether mosquitto is installed.
func Available() bool { _, err := os.Stat(Binary); return err == nil }

// Start runs a broker and waits until it accepts connections.
func Start(o Options) (*Broker, error) {
	dir, err := os.MkdirTemp("", "flock-mosquitto-")
	if err != nil {
		return nil, err
	}
	// mosquitto drops root for its own user, which must read what we write here.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence false\nlog_dest stderr\n", port)
	scheme := "tcp"
	if o.CertFile != "" {
		conf += fmt.Sprintf("certfile %s\nkeyfile %s\n", o.CertFile, o.KeyFile)
		scheme = "ssl"
	}
	if len(o.Users) == 0 {
		conf += "allow_anonymous true\n"
	} else {
		pw := filepath.Join(dir, "passwd")
		for u, p := range o.Users {
			args := []string{"-b", pw, u, p}
			if _, err := os.Stat(pw); err != nil {
				args = append([]string{"-c"}, args...)
			}
			if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("mosquitto_passwd: %v: %s", err, out)
			}
		}
		if err := os.Chmod(pw, 0o644); err != nil {
			return nil, err
		}
		conf += "allow_anonymous false\npassword_file " + pw + "\n"
	}
	cf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	b := &Broker{URL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), Port: port, dir: dir, log: &bytes.Buffer{}}
	b.cmd = exec.Command(Binary, "-c", cf)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 100*time.Millisecond); err == nil {
			c.Close()
			return b, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.Stop()
	return nil, errors.New("mosquitto did not start listening: " + b.log.String())
}

// Stop ends the broker and removes its files.
func (b *Broker) Stop() {
	if b.cmd != nil && b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	}
	os.RemoveAll(b.dir)
}

// Log returns what the broker printed.
func (b *Broker) Log() string { return b.log.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
