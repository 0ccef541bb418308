package tape

import (
	"context"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Each raw dial peer is a channel of its own, "dial tcp HOST:PORT" or "dial udp HOST:PORT":
// exchanges with one peer keep their order, those with different peers may interleave.

func dialChannel(r sysio.DialRequest) string { return "dial " + r.Network + " " + r.Addr }

func dialAsk(r sysio.DialRequest) []Field {
	ask := []Field{fld("send", string(r.Framing)), fld("data", string(r.Send))}
	if r.Timeout > 0 {
		ask = append(ask, fld("timeout", fmtDur(r.Timeout)))
	}
	return ask
}

func dialAnswer(reply []byte, err error) []Field {
	if err != nil {
		return []Field{errorField("dial", err)}
	}
	return []Field{fld("data", string(reply))}
}

type recDial struct{ r *recorder }

func (d recDial) Exchange(ctx context.Context, req sysio.DialRequest) ([]byte, error) {
	id := d.r.begin(dialChannel(req), dialAsk(req))
	reply, err := d.r.inner.Dial.Exchange(ctx, req)
	d.r.end(id, dialAnswer(reply, err))
	return reply, err
}

type playDial struct{ p *player }

func (d playDial) Exchange(_ context.Context, req sysio.DialRequest) ([]byte, error) {
	e, err := d.p.serve(dialChannel(req), dialAsk(req))
	if err != nil {
		return nil, &sysio.NetError{Kind: sysio.NetOther, Msg: err.Error()}
	}
	if err := answerError("dial", e.Answer); err != nil {
		return nil, err
	}
	return []byte(arg(e.Answer, "data")), nil
}
