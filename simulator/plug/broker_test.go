package plug

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

const mosquittoBin = "/usr/sbin/mosquitto"

// startBroker runs a private mosquitto on a free loopback port; with users
// it requires those username/password pairs.
func startBroker(t *testing.T, users ...string) string {
	t.Helper()
	if _, err := os.Stat(mosquittoBin); err != nil {
		t.Skip("mosquitto not installed")
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence false\nlog_dest stderr\n", port)
	if os.Geteuid() == 0 {
		conf += "user root\n" // else mosquitto drops to a user that cannot read dir
	}
	if len(users) == 0 {
		conf += "allow_anonymous true\n"
	} else {
		pw := filepath.Join(dir, "passwd")
		for i := 0; i+1 < len(users); i += 2 {
			args := []string{"-b", pw, users[i], users[i+1]}
			if i == 0 {
				args = append([]string{"-c"}, args...)
			}
			if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
				t.Fatalf("mosquitto_passwd: %v: %s", err, out)
			}
		}
		conf += "allow_anonymous false\npassword_file " + pw + "\n"
	}
	cf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(mosquittoBin, "-c", cf)
	out, err := cmd.StderrPipe() // stderr is unbuffered, stdout is not
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Wait for the broker to say it runs (it has bound the port by then).
	up := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), " running") {
				up <- true
			}
		}
		up <- false
	}()
	select {
	case ok := <-up:
		if !ok {
			t.Fatal("mosquitto exited")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("mosquitto did not start")
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

type msg struct {
	topic, payload string
	retained       bool
}

// watcher is an independent MQTT client recording what the broker delivers.
type watcher struct {
	c      paho.Client
	mu     sync.Mutex
	msgs   []msg
	notify chan struct{}
}

func newWatcher(t *testing.T, broker, filter string, auth ...string) *watcher {
	t.Helper()
	w := &watcher{notify: make(chan struct{})}
	o := paho.NewClientOptions().AddBroker("tcp://" + broker).SetClientID(fmt.Sprintf("watcher-%d", time.Now().UnixNano()))
	if len(auth) == 2 {
		o.SetUsername(auth[0]).SetPassword(auth[1])
	}
	w.c = paho.NewClient(o)
	if tok := w.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("watcher connect: %v", tok.Error())
	}
	t.Cleanup(func() { w.c.Disconnect(100) })
	tok := w.c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		w.mu.Lock()
		w.msgs = append(w.msgs, msg{m.Topic(), string(m.Payload()), m.Retained()})
		close(w.notify)
		w.notify = make(chan struct{})
		w.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("watcher subscribe: %v", tok.Error())
	}
	return w
}

// wait returns the first message (from index from on) matching topic and,
// if payload is not "*", payload; it returns its index too.
func (w *watcher) wait(t *testing.T, from int, topic, payload string) (msg, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		w.mu.Lock()
		for i := from; i < len(w.msgs); i++ {
			m := w.msgs[i]
			if m.topic == topic && (payload == "*" || m.payload == payload) {
				w.mu.Unlock()
				return m, i
			}
		}
		ch := w.notify
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("no %s %q; got %v", topic, payload, w.all())
		}
	}
}

func (w *watcher) all() []msg {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]msg(nil), w.msgs...)
}

func (w *watcher) publish(t *testing.T, topic, payload string, retained bool) {
	t.Helper()
	tok := w.c.Publish(topic, 1, retained, payload)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

func startMQTTPlug(t *testing.T, cfg Config) *Plug {
	t.Helper()
	p := New(cfg)
	t.Cleanup(p.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := p.StartMQTT(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}
