package tape

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A value on a tape line is a bare token or a Go-quoted string. The only value of a field may
// instead be a block on the following lines: a heredoc of text, or base64 of anything else.

// isBare reports a value that needs no quotes: printable, no space or quote, and not the start
// of a block.
func isBare(s string) bool {
	if s == "" || strings.HasPrefix(s, "<<") || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' || r == '"' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func token(s string) string {
	if isBare(s) {
		return s
	}
	return strconv.Quote(s)
}

// isText reports a value that reads well as lines: UTF-8 without control characters but newline
// and tab (a CR would vanish in diffs and editors).
func isText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// isBinary reports a value that is not text at all: invalid UTF-8, or control characters other
// than newline, tab and CR (text with a CR stays a quoted string).
func isBinary(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && r != '\r' && unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// needsBlock reports a sole value that is binary or text spanning lines; a single line with a
// trailing newline ("ok\n") stays quoted on one line.
func needsBlock(s string) bool {
	return isBinary(s) || (isText(s) && strings.Contains(strings.TrimSuffix(s, "\n"), "\n"))
}

// writeBlock appends " <<TAG" (or " base64 <<TAG", or " <<TAG noeol" for text without a final
// newline), a newline, the block's lines, and the closing TAG.
func writeBlock(b *strings.Builder, s string) {
	var lines []string
	opener := ""
	if isText(s) {
		lines = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		if !strings.HasSuffix(s, "\n") {
			opener = " noeol"
		}
	} else {
		enc := base64.StdEncoding.EncodeToString([]byte(s))
		for len(enc) > 76 {
			lines, enc = append(lines, enc[:76]), enc[76:]
		}
		lines = append(lines, enc)
		b.WriteString(" base64")
	}
	tag := "EOF"
	for i := 1; containsLine(lines, tag); i++ {
		tag = "EOF" + strconv.Itoa(i)
	}
	fmt.Fprintf(b, " <<%s%s\n", tag, opener)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(tag)
}

func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// fmtDur writes a duration in seconds with millisecond resolution, trailing zeros trimmed: 5s,
// 0.012s, 1.5s.
func fmtDur(d time.Duration) string {
	ms := d.Round(time.Millisecond).Milliseconds()
	s := fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") + "s"
}

func parseDur(s string) (time.Duration, error) {
	secs, frac, ok := splitDur(s)
	if !ok {
		return 0, fmt.Errorf("bad duration %q (want seconds like 5s or 0.012s)", s)
	}
	return msOf(secs, frac)
}

// fmtAt writes an offset from the tape's start, always with three decimals so timelines align.
func fmtAt(d time.Duration) string {
	ms := d.Round(time.Millisecond).Milliseconds()
	return fmt.Sprintf("+%d.%03ds", ms/1000, ms%1000)
}

func parseAt(s string) (time.Duration, error) {
	secs, frac, ok := splitAt(s)
	if !ok {
		return 0, fmt.Errorf("bad time %q (want an offset like +0.012s)", s)
	}
	return msOf(secs, frac)
}

func msOf(secs, frac string) (time.Duration, error) {
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || n > 1<<31 {
		return 0, fmt.Errorf("duration %ss out of range", secs)
	}
	frac = (frac + "000")[:3]
	ms, _ := strconv.Atoi(frac) // three digits, checked by the parser
	return time.Duration(n)*time.Second + time.Duration(ms)*time.Millisecond, nil
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"
