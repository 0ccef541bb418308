package rpc

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallEncoding(t *testing.T) {
	// NULL of NFS version 3: the 40 bytes RFC 5531 prescribes, as Wireshark shows them.
	got := hex.EncodeToString(Call(0x01020304, NFS, 3, 0, nil))
	assert.Equal(t, "01020304"+"00000000"+"00000002"+"000186a3"+"00000003"+"00000000"+
		"00000000"+"00000000"+"00000000"+"00000000", got)
}

func reply(xid uint32, words ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, xid)
	for _, w := range words {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return b
}

func TestReply(t *testing.T) {
	res, err := Reply(7, reply(7, 1, 0, 0, 0, 0, 2049))
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0, 8, 1}, res)
	// A verifier with a body (4 bytes) is skipped.
	res, err = Reply(7, append(reply(7, 1, 0, 1, 4), append([]byte("abcd"), 0, 0, 0, 0, 9, 9)...))
	require.NoError(t, err)
	assert.Equal(t, []byte{9, 9}, res)
	for name, tc := range map[string]struct {
		msg  []byte
		want string
	}{
		"other xid":  {reply(8, 1, 0, 0, 0, 0), "not ours"},
		"a call":     {reply(7, 0, 0, 0, 0, 0), "not a reply"},
		"rejected":   {reply(7, 1, 1, 0, 0), "rejected"},
		"no program": {reply(7, 1, 0, 0, 0, 1), "program unavailable"},
		"mismatch":   {reply(7, 1, 0, 0, 0, 2, 3, 3), "version mismatch"},
		"short":      {reply(7, 1), "too short"},
		"truncated":  {reply(7, 1, 0, 0, 0), "truncated"},
		"huge verf":  {reply(7, 1, 0, 1, 0xffffffff, 0), "truncated"},
		"odd status": {reply(7, 1, 0, 0, 0, 42), "accept status 42"},
	} {
		_, err := Reply(7, tc.msg)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.want, name)
		}
	}
}

// fakeDial answers from a function of the request, as rpcbind and a service would.
type fakeDial func(sysio.DialRequest) ([]byte, error)

func (f fakeDial) Exchange(_ context.Context, r sysio.DialRequest) ([]byte, error) { return f(r) }

func TestPing(t *testing.T) {
	var asked []string
	d := fakeDial(func(r sysio.DialRequest) ([]byte, error) {
		asked = append(asked, r.Network+" "+r.Addr+" "+string(r.Framing))
		xid := binary.BigEndian.Uint32(r.Send)
		prog := binary.BigEndian.Uint32(r.Send[12:])
		if prog == Portmapper {
			args := r.Send[callHeaderSize:]
			if binary.BigEndian.Uint32(args) == Mount && binary.BigEndian.Uint32(args[8:]) == ipprotoTCP {
				return reply(xid, 1, 0, 0, 0, 0, 20048), nil
			}
			return reply(xid, 1, 0, 0, 0, 0, 0), nil
		}
		return reply(xid, 1, 0, 0, 0, 0), nil
	})
	c := &Client{Dial: d}
	require.NoError(t, c.Ping(context.Background(), "127.0.0.1", Mount, 3))
	assert.Equal(t, []string{"tcp 127.0.0.1:111 record", "tcp 127.0.0.1:20048 record"}, asked)
	err := c.Ping(context.Background(), "127.0.0.1", NLM, 4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not registered")

	c = &Client{Dial: fakeDial(func(sysio.DialRequest) ([]byte, error) {
		return nil, &sysio.NetError{Kind: sysio.NetRefused, Msg: "connection refused"}
	})}
	err = c.Ping(context.Background(), "127.0.0.1", Mount, 3)
	assert.True(t, sysio.IsNet(err, sysio.NetRefused))
	assert.Contains(t, err.Error(), "rpcbind on 127.0.0.1")
	assert.False(t, errors.Is(err, context.Canceled))
}
