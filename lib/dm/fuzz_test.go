package dm

import (
	"strings"
	"testing"
)

// dmsetup output is read from another program: no text may panic a parser, and what parses
// must be self-consistent.

func FuzzParseStatus(f *testing.F) {
	f.Add(labStatus)
	f.Add(toolsStatus)
	f.Add("0 1 writeboost " + strings.Repeat("1 ", 25) + "0")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatus(s)
		if err != nil {
			return
		}
		if len(st.Tunables) < len(StatusTunables) {
			t.Fatalf("parsed without all tunables: %v", st.Tunables)
		}
		if p := st.DirtyPercent(); p < 0 || p != p {
			t.Fatalf("dirty percent %v", p)
		}
	})
}

func FuzzParseTable(f *testing.F) {
	f.Add("0 204800 writeboost  251:0 251:3")
	f.Add("0 524288 writeboost 254:16 254:32 4 write_around_mode 1 nr_read_cache_cells 16")
	f.Add("0 8 writeboost a b 2 writeback_threshold 100")
	f.Fuzz(func(t *testing.T, s string) {
		tb, err := ParseTable(s)
		if err != nil {
			return
		}
		for _, o := range Options {
			if o.Check(tb.Value(o.Key)) != nil {
				t.Fatalf("accepted %s %d", o.Key, tb.Value(o.Key))
			}
		}
		// What parses must print as a table that parses to the same thing, when its device
		// fields are single words (they are when the kernel prints them).
		back, err := ParseTable(tb.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, tb.String(), err)
		}
		if m := tb.Mismatch(back); len(m) > 0 {
			t.Fatalf("round trip of %q differs: %v", s, m)
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	f.Add("Name: wb\nState: ACTIVE\nTables present: LIVE\nOpen count: 0\nEvent number: 0\nMajor, minor: 254, 0\nNumber of targets: 1\n")
	f.Add("Name: x\nState: SUSPENDED (READ-ONLY)\nMajor, minor: 1, 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		i, err := ParseInfo(s)
		if err == nil && i.OpenCount != -1 && !strings.Contains(s, "Open count") {
			t.Fatalf("open count %d from nowhere", i.OpenCount)
		}
	})
}

func FuzzParseCacheStart(f *testing.F) {
	f.Add([]byte("tsBW" + strings.Repeat("\x00", 508)))
	f.Add(make([]byte, 4096))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCacheStart(b)
		if err == nil && c.Writeboost && c.Foreign != "" {
			t.Fatal("both writeboost and foreign")
		}
	})
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add("36 22 254:0 / /srv/my\\040data rw - ext4 /dev/mapper/wb rw\n", "254:0")
	f.Fuzz(func(t *testing.T, text, dev string) { _ = ParseMountinfo(text, dev) })
}
