// Package mosquitto starts a real mosquitto broker on a loopback port for tests, the demo and
// the lab. It is the world side of the MQTT seam: nothing here is used by an agent.
package mosquitto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Binary is where Debian installs the broker.
const Binary = "/usr/sbin/mosquitto"

// Options of a broker; the zero value is an anonymous broker on a free port of 127.0.0.1.
type Options struct {
	Users             map[string]string // username -> password; when set, anonymous access is off
	ACLFile           string            // acl_file: who may publish and subscribe to what
	CertFile, KeyFile string            // serve TLS (ssl://) instead of plain TCP
	// Persist keeps retained messages on disk, saved after every change, so a broker that
	// crashes (Restart) comes back with them as a real one restored from persistence does.
	Persist bool
}

// Broker is a running mosquitto.
type Broker struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	dir  string
	conf string
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
	if o.Persist {
		// The broker's own user (it drops root) must write its database there.
		db := filepath.Join(dir, "db")
		if err := os.Mkdir(db, 0o777); err != nil {
			return nil, err
		}
		if err := os.Chmod(db, 0o777); err != nil {
			return nil, err
		}
		conf = fmt.Sprintf("listener %d 127.0.0.1\npersistence true\npersistence_location %s/\n"+
			"autosave_on_changes true\nautosave_interval 1\nlog_dest stderr\n", port, db)
	}
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
	if o.ACLFile != "" {
		// The broker's own user reads it: a copy in our world-readable directory.
		acl, err := os.ReadFile(o.ACLFile)
		if err != nil {
			return nil, err
		}
		af := filepath.Join(dir, "acl")
		if err := os.WriteFile(af, acl, 0o644); err != nil {
			return nil, err
		}
		if err := os.Chmod(af, 0o644); err != nil {
			return nil, err
		}
		conf += "acl_file " + af + "\n"
	}
	cf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	b := &Broker{URL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), Port: port, dir: dir, conf: cf, log: &bytes.Buffer{}}
	if err := b.start(); err != nil {
		b.Stop()
		return nil, err
	}
	return b, nil
}

func (b *Broker) start() error {
	b.cmd = exec.Command(Binary, "-c", b.conf)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		return err
	}
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(b.Port), 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return errors.New("mosquitto did not start listening: " + b.log.String())
}

// Restart crashes the broker (SIGKILL: a clean stop would publish every client's will), runs
// whileDown (if not nil) and starts it again on the same port; every client is dropped.
func (b *Broker) Restart(whileDown func()) error {
	if err := b.cmd.Process.Kill(); err != nil {
		return err
	}
	_ = b.cmd.Wait()
	if whileDown != nil {
		whileDown()
	}
	return b.start()
}

// WaitSaved waits until the persistent database names every topic given (mosquitto saves it
// shortly after each change).
func (b *Broker) WaitSaved(ctx context.Context, topics ...string) error {
	for {
		db, _ := os.ReadFile(filepath.Join(b.dir, "db", "mosquitto.db"))
		missing := false
		for _, t := range topics {
			missing = missing || !bytes.Contains(db, []byte(t))
		}
		if !missing {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mosquitto saved no %v: %w", topics, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
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

// handedOut: ports given to brokers of this process. Brokers of parallel tests start at once; two
// given one free port would share a broker, and one test's Stop would cut the other's plugs off.
var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

func freePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !handedOut[port] {
			handedOut[port] = true
			return port, nil
		}
	}
}
