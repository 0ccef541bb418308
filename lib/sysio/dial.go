package sysio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Framing says where a reply on a raw dial ends.
type Framing string

const (
	// Datagram: one UDP datagram out, one back.
	Datagram Framing = "datagram"
	// RecordMarked: a stream carrying RFC 5531 §11 record marking (ONC RPC over TCP): each
	// fragment has a 4-byte header, length plus a last-fragment bit; the reply ends with the
	// last fragment. The request is sent as one record.
	RecordMarked Framing = "record"
)

// DialRequest is one request-reply exchange over a fresh connection: connect, send, read one
// reply, close. RPC pings need nothing longer, and one exchange per connection keeps a tape a
// list of questions and answers.
type DialRequest struct {
	Network string // "tcp" or "udp"
	Addr    string // host:port
	Framing Framing
	Send    []byte
	Timeout time.Duration // the whole exchange; 0 = only ctx bounds it
}

// Dialer performs raw request-reply exchanges. Errors are *NetError.
type Dialer interface {
	Exchange(ctx context.Context, r DialRequest) ([]byte, error)
}

// maxRecord bounds a reply: RPC pings answer a few dozen bytes.
const maxRecord = 1 << 20

type realDial struct{}

func (realDial) Exchange(ctx context.Context, r DialRequest) ([]byte, error) {
	switch {
	case r.Network != "tcp" && r.Network != "udp":
		return nil, &NetError{Kind: NetOther, Msg: fmt.Sprintf("dial: network %q (want tcp or udp)", r.Network)}
	case (r.Network == "udp") != (r.Framing == Datagram):
		return nil, &NetError{Kind: NetOther, Msg: fmt.Sprintf("dial: framing %q does not go with %s", r.Framing, r.Network)}
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, r.Network, r.Addr)
	if err != nil {
		return nil, Classify(err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	// A cancelled context unblocks the read at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	reply, err := exchange(c, r)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return reply, Classify(err)
}

func exchange(c net.Conn, r DialRequest) ([]byte, error) {
	if r.Framing == Datagram {
		if _, err := c.Write(r.Send); err != nil {
			return nil, err
		}
		buf := make([]byte, 65536)
		n, err := c.Read(buf)
		return buf[:n], err
	}
	hdr := binary.BigEndian.AppendUint32(nil, 1<<31|uint32(len(r.Send)))
	if _, err := c.Write(append(hdr, r.Send...)); err != nil {
		return nil, err
	}
	var out []byte
	for {
		var h [4]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return nil, err
		}
		v := binary.BigEndian.Uint32(h[:])
		n := int(v &^ (1 << 31))
		if len(out)+n > maxRecord {
			return nil, errors.New("dial: reply record larger than 1 MiB")
		}
		frag := make([]byte, n)
		if _, err := io.ReadFull(c, frag); err != nil {
			return nil, err
		}
		out = append(out, frag...)
		if v&(1<<31) != 0 {
			return out, nil
		}
	}
}
