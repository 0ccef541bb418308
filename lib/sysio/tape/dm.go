package tape

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Device-mapper queries share one channel, "dm": their order is the agent's reads of one
// kernel state. A reply is written as dmsetup would show it, a target a line:
//
//	> status wb
//	< dev 253:2
//	< open 1
//	< event 0
//	< state live
//	< target 0 2097152 writeboost "0 1 4096 ..."

func dmAsk(q sysio.DMQuery) []Field { return []Field{fld(string(q.Op), q.Name)} }

func dmAnswer(r sysio.DMReply, err error) []Field {
	if err != nil {
		return []Field{errorField("dm", err)}
	}
	var state []string
	for _, f := range []struct {
		on   bool
		name string
	}{{r.Suspended, "suspended"}, {r.ReadOnly, "read-only"}, {r.LiveTable, "live"}, {r.InactiveTable, "inactive"}} {
		if f.on {
			state = append(state, f.name)
		}
	}
	ans := []Field{fld("dev", fmt.Sprintf("%d:%d", r.Major, r.Minor)), fld("open", strconv.Itoa(int(r.OpenCount))),
		fld("event", strconv.FormatUint(uint64(r.Event), 10)), fld("state", state...)}
	if r.UUID != "" {
		ans = append(ans, fld("uuid", r.UUID))
	}
	for _, t := range r.Targets {
		ans = append(ans, fld("target", strconv.FormatUint(t.Start, 10), strconv.FormatUint(t.Length, 10), t.Type, t.Params))
	}
	return ans
}

// dmReply reads an answer back; the schema has checked its fields.
func dmReply(ans []Field) sysio.DMReply {
	var r sysio.DMReply
	for _, f := range ans {
		switch f.Key {
		case "dev":
			maj, min, _ := strings.Cut(f.Args[0], ":")
			r.Major, r.Minor = atou32(maj), atou32(min)
		case "open":
			n, _ := strconv.ParseInt(f.Args[0], 10, 32)
			r.OpenCount = int32(n)
		case "event":
			r.Event = atou32(f.Args[0])
		case "state":
			for _, s := range f.Args {
				switch s {
				case "suspended":
					r.Suspended = true
				case "read-only":
					r.ReadOnly = true
				case "live":
					r.LiveTable = true
				case "inactive":
					r.InactiveTable = true
				}
			}
		case "uuid":
			r.UUID = f.Args[0]
		case "target":
			start, _ := strconv.ParseUint(f.Args[0], 10, 64)
			length, _ := strconv.ParseUint(f.Args[1], 10, 64)
			r.Targets = append(r.Targets, sysio.DMTarget{Start: start, Length: length, Type: f.Args[2], Params: f.Args[3]})
		}
	}
	return r
}

func atou32(s string) uint32 {
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}

type recDM struct{ r *recorder }

func (x recDM) Query(ctx context.Context, q sysio.DMQuery) (sysio.DMReply, error) {
	id := x.r.begin("dm", dmAsk(q))
	rep, err := x.r.inner.DM.Query(ctx, q)
	x.r.end(id, dmAnswer(rep, err))
	return rep, err
}

type playDM struct{ p *player }

func (x playDM) Query(_ context.Context, q sysio.DMQuery) (sysio.DMReply, error) {
	e, err := x.p.serve("dm", dmAsk(q))
	if err != nil {
		return sysio.DMReply{}, err
	}
	if err := answerError("dm", e.Answer); err != nil {
		return sysio.DMReply{}, err
	}
	return dmReply(e.Answer), nil
}
