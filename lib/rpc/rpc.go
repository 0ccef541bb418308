// Package rpc speaks the little ONC RPC (RFC 5531, XDR per RFC 4506) a monitor needs: the
// NULL procedure of any program, to prove a service answers, and rpcbind's GETPORT (RFC 1833,
// PMAPPROC_GETPORT), to find a service registered on a dynamic port. The bytes travel through
// sysio.Dialer, so monitors record and replay like any other IO.
package rpc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Well-known program numbers.
const (
	Portmapper = 100000
	NFS        = 100003
	Mount      = 100005
	NLM        = 100021
	Status     = 100024
)

const (
	msgCall        = 0
	msgReply       = 1
	rpcVersion     = 2
	replyAccepted  = 0
	acceptSuccess  = 0
	pmapGetport    = 3
	ipprotoTCP     = 6
	ipprotoUDP     = 17
	authNone       = 0
	callHeaderSize = 40
)

// acceptStat names the accept_stat values of RFC 5531 §9.
var acceptStat = map[uint32]string{1: "program unavailable", 2: "program version mismatch",
	3: "procedure unavailable", 4: "garbage arguments", 5: "system error"}

// Call encodes a call message with AUTH_NONE credentials and verifier; args are the procedure's
// XDR-encoded arguments.
func Call(xid, prog, vers, proc uint32, args []byte) []byte {
	b := make([]byte, 0, callHeaderSize+len(args))
	for _, w := range []uint32{xid, msgCall, rpcVersion, prog, vers, proc, authNone, 0, authNone, 0} {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return append(b, args...)
}

// Reply checks a reply message to call xid and returns the procedure's results. A reply that is
// not an accepted success is an error that says why.
func Reply(xid uint32, msg []byte) ([]byte, error) {
	word := func(i int) uint32 { return binary.BigEndian.Uint32(msg[4*i:]) }
	if len(msg) < 12 {
		return nil, fmt.Errorf("reply of %d bytes is too short", len(msg))
	}
	switch {
	case word(0) != xid:
		return nil, fmt.Errorf("reply to call %#x, not ours (%#x)", word(0), xid)
	case word(1) != msgReply:
		return nil, errors.New("not a reply message")
	case word(2) != replyAccepted:
		return nil, errors.New("call rejected (RPC version or authentication)")
	}
	// Verifier: flavor, then an opaque body padded to 4 bytes.
	if len(msg) < 20 {
		return nil, errors.New("reply truncated in its verifier")
	}
	vlen := int(word(4))
	off := 20 + (vlen+3)&^3
	if vlen > 400 || len(msg) < off+4 {
		return nil, errors.New("reply truncated after its verifier")
	}
	if st := binary.BigEndian.Uint32(msg[off:]); st != acceptSuccess {
		if s, ok := acceptStat[st]; ok {
			return nil, errors.New(s)
		}
		return nil, fmt.Errorf("accept status %d", st)
	}
	return msg[off+4:], nil
}

// Client makes calls through a sysio.Dialer.
type Client struct {
	Dial    sysio.Dialer
	Timeout time.Duration // per call
	xid     uint32
}

// Do sends one call over network ("tcp" or "udp") to addr and returns its results.
func (c *Client) Do(ctx context.Context, network, addr string, prog, vers, proc uint32, args []byte) ([]byte, error) {
	// Each call goes over its own connection, so a fixed sequence of xids is enough, and it
	// keeps recorded calls byte for byte the same from one run to the next.
	c.xid++
	xid := 0x464c0000 | c.xid // "FL"
	framing := sysio.RecordMarked
	if network == "udp" {
		framing = sysio.Datagram
	}
	reply, err := c.Dial.Exchange(ctx, sysio.DialRequest{Network: network, Addr: addr, Framing: framing,
		Send: Call(xid, prog, vers, proc, args), Timeout: c.Timeout})
	if err != nil {
		return nil, err
	}
	return Reply(xid, reply)
}

// Null calls procedure 0 of prog, version vers: the ping every RPC service answers.
func (c *Client) Null(ctx context.Context, network, addr string, prog, vers uint32) error {
	_, err := c.Do(ctx, network, addr, prog, vers, 0, nil)
	return err
}

// GetPort asks rpcbind on host (port 111) where prog vers listens on network; 0 means not
// registered.
func (c *Client) GetPort(ctx context.Context, host, network string, prog, vers uint32) (int, error) {
	proto := uint32(ipprotoTCP)
	if network == "udp" {
		proto = ipprotoUDP
	}
	var args []byte
	for _, w := range []uint32{prog, vers, proto, 0} {
		args = binary.BigEndian.AppendUint32(args, w)
	}
	res, err := c.Do(ctx, "tcp", net.JoinHostPort(host, "111"), Portmapper, 2, pmapGetport, args)
	if err != nil {
		return 0, err
	}
	if len(res) < 4 {
		return 0, errors.New("GETPORT reply without a port")
	}
	return int(binary.BigEndian.Uint32(res)), nil
}

// Ping finds prog vers through rpcbind on host and calls its NULL procedure over TCP.
func (c *Client) Ping(ctx context.Context, host string, prog, vers uint32) error {
	port, err := c.GetPort(ctx, host, "tcp", prog, vers)
	switch {
	case err != nil:
		return fmt.Errorf("rpcbind on %s: %w", host, err)
	case port == 0:
		return fmt.Errorf("program %d version %d is not registered with rpcbind", prog, vers)
	}
	return c.Null(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)), prog, vers)
}
