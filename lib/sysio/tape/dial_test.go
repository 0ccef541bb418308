package tape

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dialAgent makes a raw exchange of each kind: a record-marked one over TCP, a datagram over
// UDP, one to a closed port and one that gets no answer; it prints what came back.
func dialAgent(p *sysio.Proc) int {
	cfg := stdinConfig(p)
	ctx := context.Background()
	var out strings.Builder
	for _, r := range []sysio.DialRequest{
		{Network: "tcp", Addr: cfg["tcp"], Framing: sysio.RecordMarked, Send: []byte("ping\x00\x01"), Timeout: 2 * time.Second},
		{Network: "udp", Addr: cfg["udp"], Framing: sysio.Datagram, Send: []byte("dgram"), Timeout: 2 * time.Second},
		{Network: "tcp", Addr: cfg["closed"], Framing: sysio.RecordMarked, Send: []byte("x"), Timeout: time.Second},
		{Network: "tcp", Addr: cfg["silent"], Framing: sysio.RecordMarked, Send: []byte("x"), Timeout: 50 * time.Millisecond},
	} {
		reply, err := p.Dial.Exchange(ctx, r)
		fmt.Fprintf(&out, "%s %s: %q %s\n", r.Network, r.Framing, reply, kindOf(err))
	}
	fmt.Fprint(p.Stdout, out.String())
	return 0
}

// recordServer answers each record with "re:" and the record, in two fragments, so the client
// must join fragments; silent accepts and never answers.
func recordServer(t *testing.T, silent bool) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var h [4]byte
				if silent || func() error { _, err := io.ReadFull(c, h[:]); return err }() != nil {
					_, _ = io.Copy(io.Discard, c)
					return
				}
				body := make([]byte, binary.BigEndian.Uint32(h[:])&^(1<<31))
				if _, err := io.ReadFull(c, body); err != nil {
					return
				}
				msg := binary.BigEndian.AppendUint32(nil, 3)
				msg = append(msg, "re:"...)
				msg = binary.BigEndian.AppendUint32(msg, 1<<31|uint32(len(body)))
				_, _ = c.Write(append(msg, body...))
			}()
		}
	}()
	return l.Addr().String()
}

func TestRecordAndReplayDial(t *testing.T) {
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer u.Close()
	go func() {
		buf := make([]byte, 512)
		n, from, err := u.ReadFrom(buf)
		if err == nil {
			_, _ = u.WriteTo(append([]byte("udp:"), buf[:n]...), from)
		}
	}()
	inv := invocation{args: []string{"dialagent", "monitor"},
		stdin: fmt.Sprintf("tcp=%s\nudp=%s\nclosed=%s\nsilent=%s\n", recordServer(t, false), u.LocalAddr(), closedAddr(t), recordServer(t, true))}
	tp, _ := record(t, dialAgent, inv, sysio.Real())
	want := "tcp record: \"re:ping\\x00\\x01\" <nil>\nudp datagram: \"udp:dgram\" <nil>\n" +
		"tcp record: \"\" refused\ntcp record: \"\" timeout\n"
	require.Equal(t, want, tp.Outcome.Stdout)
	text := tapeText(t, tp)
	assert.Contains(t, text, " dial udp "+u.LocalAddr().String()+"\n> send datagram\n> data dgram\n")
	assert.Contains(t, text, "< error refused ")

	v := replay(t, reparse(t, tp), dialAgent)
	require.True(t, v.Passed(), "%s", strings.Join(v.Divergences, "\n"))
	assert.Equal(t, want, v.Got.Stdout)

	// Another payload is a divergence, not a silent pass.
	tp.Exchanges[0].Ask[1].Args[0] = "pong"
	v = replay(t, tp, dialAgent)
	assert.False(t, v.Passed())
	assert.Contains(t, strings.Join(v.Divergences, "\n"), "dial tcp")
}
