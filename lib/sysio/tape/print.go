package tape

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Write prints t in the tape grammar (see the package documentation). It refuses a tape that
// Parse would reject, so whatever it writes can be read back.
func (t *Tape) Write(w io.Writer) error {
	if err := t.validate(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\n", Magic, Version)
	writeField(&b, "", fld("agent", t.Agent))
	writeField(&b, "", fld("start", t.Start.UTC().Format(timeLayout)))
	for _, n := range t.Notes {
		writeField(&b, "", fld("note", n))
	}
	writeField(&b, "", fld("argv", t.Args...))
	for _, kv := range t.Env {
		writeField(&b, "", fld("env", kv))
	}
	if t.Stdin != "" {
		writeField(&b, "", fld("stdin", t.Stdin))
	}
	for i, e := range t.Exchanges {
		fmt.Fprintf(&b, "\nexchange %d %s %s\n", i+1, fmtAt(e.At), e.Channel)
		for _, a := range e.Ask {
			writeField(&b, "> ", a)
		}
		for _, a := range e.Answer {
			writeField(&b, "< ", a)
		}
		if e.Took > 0 {
			writeField(&b, "< ", fld("took", fmtDur(e.Took)))
		}
	}
	fmt.Fprintf(&b, "\noutcome %s\n", fmtAt(t.Outcome.At))
	writeField(&b, "", fld("exit", fmt.Sprint(t.Outcome.Code)))
	if t.Outcome.Stdout != "" {
		writeField(&b, "", fld("stdout", t.Outcome.Stdout))
	}
	if t.Outcome.Reason != "" {
		writeField(&b, "", fld("reason", t.Outcome.Reason))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeField prints one line; a sole value that is binary or multi-line becomes a block.
func writeField(b *strings.Builder, prefix string, f Field) {
	b.WriteString(prefix)
	b.WriteString(f.Key)
	if len(f.Args) == 1 && needsBlock(f.Args[0]) {
		writeBlock(b, f.Args[0])
	} else {
		for _, a := range f.Args {
			b.WriteByte(' ')
			b.WriteString(token(a))
		}
	}
	b.WriteByte('\n')
}

// Save writes t to path through a temporary file, so a reader never sees half a tape.
func (t *Tape) Save(path string) error {
	var b strings.Builder
	if err := t.Write(&b); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
