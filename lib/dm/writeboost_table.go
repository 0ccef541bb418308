package dm

import (
	"fmt"
	"strconv"
	"strings"
)

// Target is dm-writeboost's target name.
const Target = "writeboost"

// Option is one of dm-writeboost's optional table arguments.
type Option struct {
	Key      string
	Min, Max uint64
	Default  uint64
	// Static options are read by the constructor only: a message setting one fails ("… is a
	// static option"), so changing it means creating the device again.
	Static bool
}

// Options are dm-writeboost's optional arguments, in the order the table builder writes them.
// Ranges are do_consume_optional_argv's; defaults are what the constructor leaves when an
// argument is absent (init_writeback_daemon sets 32 batched segments, 2048 read cache cells).
var Options = []Option{
	{Key: "writeback_threshold", Max: 100},
	{Key: "nr_max_batched_writeback", Min: 1, Max: 32, Default: 32},
	{Key: "update_sb_record_interval", Max: 3600},
	{Key: "sync_data_interval", Max: 3600},
	{Key: "read_cache_threshold", Max: 127},
	{Key: "write_around_mode", Max: 1, Static: true},
	{Key: "nr_read_cache_cells", Min: 1, Max: 2048, Default: 2048, Static: true},
}

// LookupOption finds an option by key, case-insensitively as the kernel does (strcasecmp).
func LookupOption(key string) (Option, bool) {
	for _, o := range Options {
		if strings.EqualFold(o.Key, key) {
			return o, true
		}
	}
	return Option{}, false
}

// Check says whether v is in the option's range.
func (o Option) Check(v uint64) error {
	if v < o.Min || v > o.Max {
		return fmt.Errorf("%s %d is out of range %d..%d", o.Key, v, o.Min, o.Max)
	}
	return nil
}

// Table is a dm-writeboost table: one target spanning the whole backing device.
type Table struct {
	Sectors uint64 // the backing device's size in 512-byte sectors
	// Backing and Cache are device paths in a table we build, and "MAJ:MIN" in one the kernel
	// prints (writeboost_status, STATUSTYPE_TABLE).
	Backing, Cache string
	// Args are the optional arguments given, by key; absent ones take their Default.
	Args map[string]uint64
}

// Value is the option's value in this table: given, or the kernel's default.
func (t Table) Value(key string) uint64 {
	if v, ok := t.Args[key]; ok {
		return v
	}
	o, ok := LookupOption(key)
	if !ok {
		panic("dm: unknown writeboost option " + key) // a programming error
	}
	return o.Default
}

// String is the table line for `dmsetup create --table`: "0 SECTORS writeboost BACKING CACHE"
// then, if any, "<2n> key value …" for the n options that differ from their default, in
// Options order, so equal configurations give equal lines.
func (t Table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "0 %d %s %s %s", t.Sectors, Target, t.Backing, t.Cache)
	var kv []string
	for _, o := range Options {
		if v := t.Value(o.Key); v != o.Default {
			kv = append(kv, o.Key, strconv.FormatUint(v, 10))
		}
	}
	if len(kv) > 0 {
		fmt.Fprintf(&b, " %d %s", len(kv), strings.Join(kv, " "))
	}
	return b.String()
}

// ParseTable reads the output of `dmsetup table NAME` for a dm-writeboost device: exactly one
// target, starting at sector 0. The kernel prints the devices as MAJ:MIN and the optional
// arguments as they were given to the constructor (STATUSTYPE_TABLE); messages sent since do
// not show here, only in the status.
func ParseTable(out string) (Table, error) {
	lines := nonEmptyLines(out)
	if len(lines) != 1 {
		return Table{}, fmt.Errorf("table has %d lines, want one %s target: %q", len(lines), Target, firstLine(out))
	}
	f := strings.Fields(lines[0])
	if len(f) < 3 || f[2] != Target {
		return Table{}, fmt.Errorf("not a %s table: %q", Target, firstLine(out))
	}
	if len(f) < 5 {
		return Table{}, fmt.Errorf("%s table without backing and cache devices: %q", Target, firstLine(out))
	}
	if f[0] != "0" {
		return Table{}, fmt.Errorf("%s target starts at sector %s, not 0", Target, f[0])
	}
	t := Table{Backing: f[3], Cache: f[4], Args: map[string]uint64{}}
	var err error
	if t.Sectors, err = strconv.ParseUint(f[1], 10, 64); err != nil || t.Sectors == 0 {
		return Table{}, fmt.Errorf("bad table length %q", f[1])
	}
	rest := f[5:]
	if len(rest) == 0 {
		return t, nil
	}
	n, err := strconv.Atoi(rest[0])
	if err != nil || n < 0 || n%2 != 0 || n > 2*len(Options) || n != len(rest)-1 {
		return Table{}, fmt.Errorf("bad optional argument count %q for %d words", rest[0], len(rest)-1)
	}
	for i := 1; i < len(rest); i += 2 {
		o, ok := LookupOption(rest[i])
		if !ok {
			return Table{}, fmt.Errorf("unknown %s option %q", Target, rest[i])
		}
		v, err := strconv.ParseUint(rest[i+1], 10, 32)
		if err != nil {
			return Table{}, fmt.Errorf("%s: bad value %q", o.Key, rest[i+1])
		}
		if err := o.Check(v); err != nil {
			return Table{}, err
		}
		t.Args[o.Key] = v // a repeated key: the constructor keeps the last, so do we
	}
	return t, nil
}

// Mismatch lists how live, a table the kernel printed, differs from t, the configured one
// with its devices already resolved to MAJ:MIN: the devices, the length, and the static
// options. Tunable options are not compared: the table keeps their creation-time values
// after messages change them; compare them with Status.Tunables instead.
func (t Table) Mismatch(live Table) []string {
	var out []string
	if live.Backing != t.Backing {
		out = append(out, fmt.Sprintf("backing device is %s, configured %s", live.Backing, t.Backing))
	}
	if live.Cache != t.Cache {
		out = append(out, fmt.Sprintf("cache device is %s, configured %s", live.Cache, t.Cache))
	}
	if t.Sectors != 0 && live.Sectors != t.Sectors {
		out = append(out, fmt.Sprintf("length is %d sectors, the backing device has %d", live.Sectors, t.Sectors))
	}
	for _, o := range Options {
		if o.Static && live.Value(o.Key) != t.Value(o.Key) {
			out = append(out, fmt.Sprintf("%s is %d, configured %d", o.Key, live.Value(o.Key), t.Value(o.Key)))
		}
	}
	return out
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
