package tape

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sample exercises every value form: bare, quoted, multi-line text with and without a final
// newline, text holding the block tag, binary, and empty values.
func sample() *Tape {
	return &Tape{
		Agent: "fence_espurna",
		Start: time.Date(2025, 6, 1, 10, 0, 0, 123e6, time.UTC),
		Notes: []string{"derived from on.tape: exchange 1 answers status 500"},
		Args:  []string{"/usr/sbin/fence_espurna", "-o", "status", "--plug", "a b"},
		Env:   []string{"LANG=C.UTF-8", "OCF_RESKEY_password=<redacted>"},
		Stdin: "action=status\nip=127.0.0.11\napikey=<redacted>\n",
		Exchanges: []Exchange{
			{At: 0, Took: 3 * time.Millisecond, Channel: "http 127.0.0.11:80",
				Ask: []Field{fld("PUT", "http://127.0.0.11/api/relay/0"), fld("header", "Api-Key", "<redacted>"),
					fld("body", "value=0"), fld("timeout", "5s")},
				Answer: []Field{fld("status", "200"), fld("header", "Content-Type", "application/json"),
					fld("body", "{\n  \"relay/0\": 0\n}")}},
			{At: 5 * time.Millisecond, Took: 5 * time.Second, Channel: "http 127.0.0.12:80",
				Ask:    []Field{fld("GET", "http://127.0.0.12/api/relay/0?apikey=<redacted>")},
				Answer: []Field{fld("error", "timeout", "dial tcp 127.0.0.12:80: i/o timeout")}},
			{At: 9 * time.Millisecond, Channel: "mqtt tcp://127.0.0.1:1883 #1",
				Ask:    []Field{fld("connect", "tcp://127.0.0.1:1883"), fld("client-id", "fence-1234"), fld("username", "u")},
				Answer: []Field{fld("ok")}},
			{At: 10 * time.Millisecond, Took: time.Second, Channel: "mqtt tcp://127.0.0.1:1883 #1",
				Ask:    []Field{fld("receive", "1s")},
				Answer: []Field{fld("message", "stat/plug/POWER"), fld("payload", ""), fld("qos", "1"), fld("retained")}},
			{At: 1100 * time.Millisecond, Took: 12 * time.Millisecond, Channel: "exec",
				Ask: []Field{fld("run", "dmsetup", "status", "wb0"), fld("env", "DM_DISABLE_UDEV=1"),
					fld("stdin", "EOF\nmore\n")},
				Answer: []Field{fld("exit", "1"), fld("stdout", "a\n\nb\n"), fld("stderr", "no\r\nsuch device\n")}},
			{At: 1200 * time.Millisecond, Channel: "files",
				Ask:    []Field{fld("read-at", "/dev/nvme0n1", "0", "16")},
				Answer: []Field{fld("data", "\x00\x01wb\xff\xfe"+strings.Repeat("z", 70))}},
			{At: 1201 * time.Millisecond, Channel: "files",
				Ask:    []Field{fld("stat", "/dev/sdb")},
				Answer: []Field{fld("mode", "Drw-rw----"), fld("size", "0"), fld("dev", "8:16")}},
			{At: 1202 * time.Millisecond, Channel: "files",
				Ask:    []Field{fld("readdir", "/sys/block")},
				Answer: []Field{fld("names")}},
			{At: 1203 * time.Millisecond, Channel: "files",
				Ask:    []Field{fld("write", "/etc/exports", "0644"), fld("data", "/srv *(rw)\n")},
				Answer: []Field{fld("error", "permission", "open /etc/exports: permission denied")}},
			{At: 1210 * time.Millisecond, Took: 3600 * time.Second, Channel: "clock",
				Ask: []Field{fld("sleep", "3600s")}, Answer: []Field{fld("ok")}},
		},
		Outcome: Outcome{At: 3601 * time.Second, Code: 1, Stdout: "Status: ON\n", Reason: "plug \"a\" unreachable"},
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	var b strings.Builder
	require.NoError(t, want.Write(&b))
	text := b.String()
	got, err := Parse(strings.NewReader(text))
	require.NoError(t, err, text)
	assert.Equal(t, want, got)
	var again strings.Builder
	require.NoError(t, got.Write(&again))
	assert.Equal(t, text, again.String())

	// The forms chosen are the readable ones.
	for _, line := range []string{
		"flock-tape 1\n",
		"argv /usr/sbin/fence_espurna -o status --plug \"a b\"\n",
		"stdin <<EOF\naction=status\n",
		"exchange 2 +0.005s http 127.0.0.12:80\n",
		"> body value=0\n",
		"< body <<EOF noeol\n{\n  \"relay/0\": 0\n}\nEOF\n",
		"> stdin <<EOF1\nEOF\nmore\nEOF1\n",
		"< stderr \"no\\r\\nsuch device\\n\"\n",
		"< data base64 <<EOF\nAAF3Yv/+",
		"< took 5s\n",
		"< took 0.003s\n",
		"< names\n",
		"\noutcome +3601.000s\nexit 1\nstdout \"Status: ON\\n\"\nreason \"plug \\\"a\\\" unreachable\"\n",
	} {
		assert.Contains(t, text, line)
	}
}

func TestParseErrors(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sample().Write(&b))
	good := b.String()
	for name, c := range map[string]struct{ text, want string }{
		"version":      {strings.Replace(good, "flock-tape 1", "flock-tape 2", 1), `tape format version "2" is not supported`},
		"magic":        {"hello\n", "not a flock tape"},
		"empty":        {"", "not a flock tape"},
		"key":          {strings.Replace(good, "agent fence", "agnt fence", 1), `line 2: unknown line "agnt"`},
		"order":        {strings.Replace(good, "start 2025", "stdin x\nstart 2025", 1), `"start" is out of place`},
		"sequence":     {strings.Replace(good, "exchange 2 ", "exchange 3 ", 1), "exchange 3 is out of sequence: want 2"},
		"time":         {strings.Replace(good, "+0.005s", "+0.5s", 1), `bad time "+0.5s"`},
		"kind":         {strings.Replace(good, "timeout \"dial", "timedout \"dial", 1), `unknown error kind "timedout"`},
		"op":           {strings.Replace(good, "> read-at", "> readat", 1), `unknown files operation "readat"`},
		"answer":       {strings.Replace(good, "< status 200\n", "", 1), "exactly one of status, error"},
		"bare":         {strings.Replace(good, "> body value=0", `> body va"lue`, 1), `must be quoted`},
		"mode":         {strings.Replace(good, "Drw-rw----", "Xrw-rw----", 1), "bad file mode"},
		"channel":      {strings.Replace(good, "http 127.0.0.12:80", "gopher 127.0.0.12", 1), "unknown channel"},
		"ask order":    {strings.Replace(good, "< took 0.003s\n", "< took 0.003s\n> body x\n", 1), "took must be the last line"},
		"after answer": {strings.Replace(good, "< header Content-Type application/json\n", "< header Content-Type application/json\n> body x\n", 1), "a question (>) after the answer"},
		"trailing":     {good + "\nexit 0\n", "nothing may follow the outcome"},
		"no outcome":   {good[:strings.Index(good, "\noutcome")+1], "ends without an outcome"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "errors are one line")
		})
	}
	_, err := Parse(strings.NewReader("flock-tape 1\nagent a\nstart 2025-06-01T10:00:00.000Z\nargv a\nstdin <<EOF\nx\n"))
	assert.ErrorContains(t, err, "line 5: the block <<EOF is never closed")
}
