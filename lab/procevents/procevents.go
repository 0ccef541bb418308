// Package procevents counts the processes a command spawns, for benchmarks that compare our
// agents with shell ones: through the kernel's process events connector (CONFIG_PROC_EVENTS,
// root only) every fork and exit on the machine is reported, so descendants are followed
// however short-lived, and threads are told from processes. It is lab equipment: no agent
// imports it.
package procevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Events counts the processes a command spawns, through the kernel's process events
// connector (CONFIG_PROC_EVENTS, root only): every fork and exit on the machine is reported,
// so descendants are followed however short-lived, and threads are told from processes.
type Events struct{ fd int }

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

// Listen subscribes to the kernel's process events.
func Listen() (*Events, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("netlink connector: %w", err)
	}
	p := &Events{fd: fd}
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

// Close unsubscribes.
func (p *Events) Close() { syscall.Close(p.fd) }

// event is a fork (parent process → child, thread or process) or an exit.
type event struct {
	what                 uint32
	parentTgid           uint32
	childPid, childTgid  uint32
	exitPid, exitProcess uint32
}

// Drain discards what is queued: events of other runs.
func (p *Events) Drain() {
	buf := make([]byte, 4096)
	for {
		if n, _, err := syscall.Recvfrom(p.fd, buf, syscall.MSG_DONTWAIT); n <= 0 || err != nil {
			return
		}
	}
}

// Spawned reads events until root has exited and returns how many processes (not threads)
// root and its descendants created.
func (p *Events) Spawned(root int) (int, error) {
	tree := map[uint32]bool{uint32(root): true}
	n := 0
	buf := make([]byte, 8192)
	deadline := time.Now().Add(2 * time.Minute) // a start under TCG takes seconds
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
