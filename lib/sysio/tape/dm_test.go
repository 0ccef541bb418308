package tape

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kernelDM answers as the kernel does for one device, "wb"; other names do not exist. The real
// ioctls need device-mapper, which only the lab guest has (its writeboost tapes use them).
type kernelDM struct{}

func (kernelDM) Query(_ context.Context, q sysio.DMQuery) (sysio.DMReply, error) {
	if q.Name != "wb" {
		return sysio.DMReply{}, fmt.Errorf("%s: %w", q.Name, sysio.ErrDMNoDevice)
	}
	r := sysio.DMReply{Major: 253, Minor: 2, OpenCount: 1, Event: 3, LiveTable: true, UUID: "flock-wb"}
	switch q.Op {
	case sysio.DMTable:
		r.Targets = []sysio.DMTarget{{Start: 0, Length: 2048, Type: "writeboost", Params: "7:0 7:1 2 writeback_threshold 0"}, {Start: 2048, Length: 8, Type: "zero", Params: ""}}
	case sysio.DMStatus:
		r.Targets = []sysio.DMTarget{{Start: 0, Length: 2048, Type: "writeboost", Params: "0 1 4096 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 10 writeback_threshold 0"}, {Start: 2048, Length: 8, Type: "zero", Params: ""}}
	}
	return r, nil
}

// dmAgent prints what a monitor would read: every field of the replies, and how a missing
// device failed.
func dmAgent(p *sysio.Proc) int {
	ctx := context.Background()
	for _, q := range []sysio.DMQuery{{Op: sysio.DMInfo, Name: "wb"}, {Op: sysio.DMTable, Name: "wb"}, {Op: sysio.DMStatus, Name: "wb"}, {Op: sysio.DMStatus, Name: "gone"}} {
		r, err := p.DM.Query(ctx, q)
		if err != nil {
			fmt.Fprintf(p.Stdout, "%s %s: no device %v\n", q.Op, q.Name, errors.Is(err, sysio.ErrDMNoDevice))
			continue
		}
		fmt.Fprintf(p.Stdout, "%s %s: %+v\n", q.Op, q.Name, r)
	}
	return 0
}

func TestDMRecordReplay(t *testing.T) {
	tp, _ := record(t, dmAgent, invocation{args: []string{"dmagent"}}, sysio.World{DM: kernelDM{}, Clock: &fakeClock{now: time.Now()}})
	text := tapeText(t, tp)
	assert.Contains(t, text, "> table wb\n< dev 253:2\n< open 1\n< event 3\n< state live\n< uuid flock-wb\n"+
		"< target 0 2048 writeboost \"7:0 7:1 2 writeback_threshold 0\"\n< target 2048 8 zero \"\"\n")
	assert.Contains(t, text, "> status gone\n< error no-device \"gone: no such device-mapper device\"\n")

	v := replay(t, tp, dmAgent)
	require.True(t, v.Passed(), v.String())
	assert.Equal(t, tp.Outcome.Stdout, v.Got.Stdout, "replay gives back every field, and the error's kind")
	assert.Contains(t, v.Got.Stdout, "status gone: no device true")

	// A suspended device in the tape is a suspended device to the agent.
	changed := strings.Replace(text, "> status wb\n< dev 253:2\n< open 1\n< event 3\n< state live", "> status wb\n< dev 253:2\n< open 1\n< event 3\n< state suspended live", 1)
	require.NotEqual(t, text, changed)
	back, err := Parse(strings.NewReader(changed))
	require.NoError(t, err)
	v = replay(t, back, dmAgent)
	assert.False(t, v.Passed())
	assert.Contains(t, v.Got.Stdout, "Suspended:true")
}

// A derived tape changes a table as a human writes it, dmsetup's way.
func TestDMMutateTable(t *testing.T) {
	tp, _ := record(t, dmAgent, invocation{args: []string{"dmagent"}}, sysio.World{DM: kernelDM{}, Clock: &fakeClock{now: time.Now()}})
	body := "0 524288 writeboost 254:16 254:48\n"
	m, err := tp.Mutate(2, Mutation{Body: &body})
	require.NoError(t, err)
	assert.Contains(t, tapeText(t, m), "> table wb\n< dev 253:2\n< open 1\n< event 3\n< state live\n< uuid flock-wb\n< target 0 524288 writeboost \"254:16 254:48\"\n\n")
	v := replay(t, m, dmAgent)
	assert.Contains(t, v.Got.Stdout, "Targets:[{Start:0 Length:524288 Type:writeboost Params:254:16 254:48}]")
	bad := "0 x zero\n"
	_, err = tp.Mutate(2, Mutation{Body: &bad})
	assert.ErrorContains(t, err, "not a number of sectors")
}

func TestDMSchema(t *testing.T) {
	base := "flock-tape 1\nagent a\nstart 2025-06-01T10:00:00.000Z\nargv a\n\nexchange 1 +0.000s dm\n> status wb\n%s\n\noutcome +0.001s\nexit 0\n"
	for answer, ok := range map[string]bool{
		"< dev 253:2\n< state":                          true,
		"< error no-device gone":                        true,
		"< error enxio gone":                            false,
		"< dev 253\n< state":                            false,
		"< dev 253:2\n< target 0 1 zero":                false,
		"< dev 253:2\n< error other x":                  false,
		"< dev 1:2\n< target 0 1 a b\n< target 1 1 a b": true,
	} {
		_, err := Parse(strings.NewReader(fmt.Sprintf(base, answer)))
		assert.Equal(t, ok, err == nil, "%q: %v", answer, err)
	}
}
