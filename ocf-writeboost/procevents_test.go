package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProcEventsCount checks the counter the benchmark relies on, on a shell whose forks are
// known (each command is followed by another, so none is exec'd in place), and on a Go
// program that starts nothing but has threads, which must not count.
func TestProcEventsCount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("process events need root")
	}
	events, err := listenProcEvents()
	if err != nil {
		t.Skipf("no process events connector: %v", err)
	}
	defer events.Close()
	count := func(cmd *exec.Cmd) int {
		events.drain()
		require.NoError(t, cmd.Start())
		n, err := events.spawned(cmd.Process.Pid)
		require.NoError(t, err)
		require.NoError(t, cmd.Wait())
		return n
	}
	assert.Equal(t, 4, count(exec.Command("/bin/sh", "-c", `/bin/true; /bin/true; /bin/sh -c "/bin/true; exit 0"; exit 0`)))
	self, err := os.Executable()
	require.NoError(t, err)
	idle := exec.Command(self)
	idle.Env = []string{"FLOCK_TEST_THREADS=1"}
	assert.Equal(t, 0, count(idle))
}

// threads is the idle helper's body: goroutines asleep, so the runtime has threads, and no
// process.
func threads() int {
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() { time.Sleep(50 * time.Millisecond); done <- struct{}{} }()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	return 0
}

// procEvents counts the processes a command spawns, through the kernel's process events
// connector (CONFIG_PROC_EVENTS, root only): every fork and exit on the machine is reported,
// so descendants are followed however short-lived, and threads are told from processes.
type procEvents struct{ fd int }

// Constants of linux/connector.h and linux/cn_proc.h.
const (
	cnIdxProc     = 1
	cnValProc     = 1
	procCnListen  = 1
	procEventFork = 0x00000001
	procEventExit = 0x80000000
	nlmsgHdrLen   = 16
	cnMsgLen      = 20
)

func listenProcEvents() (*procEvents, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("netlink connector: %w", err)
	}
	p := &procEvents{fd: fd}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: cnIdxProc, Pid: uint32(os.Getpid())}); err != nil {
		p.Close()
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	tv := syscall.NsecToTimeval(int64(50 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		p.Close()
		return nil, err
	}
	msg := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	le := binary.LittleEndian
	le.PutUint32(msg[0:], uint32(len(msg)))
	le.PutUint16(msg[4:], syscall.NLMSG_DONE)
	le.PutUint32(msg[12:], uint32(os.Getpid()))
	le.PutUint32(msg[16:], cnIdxProc)
	le.PutUint32(msg[20:], cnValProc)
	le.PutUint16(msg[32:], 4)
	le.PutUint32(msg[36:], procCnListen)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		p.Close()
		return nil, fmt.Errorf("subscribing to process events: %w", err)
	}
	return p, nil
}

func (p *procEvents) Close() { syscall.Close(p.fd) }

// event is a fork (parent process → child, thread or process) or an exit.
type event struct {
	what                 uint32
	parentTgid           uint32
	childPid, childTgid  uint32
	exitPid, exitProcess uint32
}

// drain discards what is queued: events of other runs.
func (p *procEvents) drain() {
	buf := make([]byte, 4096)
	for {
		if n, _, err := syscall.Recvfrom(p.fd, buf, syscall.MSG_DONTWAIT); n <= 0 || err != nil {
			return
		}
	}
}

// spawned reads events until root has exited and returns how many processes (not threads)
// root and its descendants created.
func (p *procEvents) spawned(root int) (int, error) {
	tree := map[uint32]bool{uint32(root): true}
	n := 0
	buf := make([]byte, 8192)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m, _, err := syscall.Recvfrom(p.fd, buf, 0)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:m])
		if err != nil {
			return 0, err
		}
		for _, msg := range msgs {
			ev, ok := parseProcEvent(msg.Data)
			switch {
			case !ok:
			case ev.what == procEventFork && tree[ev.parentTgid] && ev.childPid == ev.childTgid:
				if os.Getenv("DBG") != "" {
					b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", ev.childPid))
					fmt.Printf("%+v %q\n", ev, b)
				}
				tree[ev.childTgid] = true
				n++
			case ev.what == procEventExit && ev.exitProcess == uint32(root) && ev.exitPid == uint32(root):
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("no exit event for %d", root)
}

func parseProcEvent(b []byte) (event, bool) {
	const hdr = cnMsgLen + 16 // cn_msg, then what, cpu, timestamp
	if len(b) < hdr+16 {
		return event{}, false
	}
	le := binary.LittleEndian
	d := b[hdr:]
	ev := event{what: le.Uint32(b[cnMsgLen:])}
	switch ev.what {
	case procEventFork:
		ev.parentTgid, ev.childPid, ev.childTgid = le.Uint32(d[4:]), le.Uint32(d[8:]), le.Uint32(d[12:])
	case procEventExit:
		ev.exitPid, ev.exitProcess = le.Uint32(d[0:]), le.Uint32(d[4:])
	}
	return ev, true
}
