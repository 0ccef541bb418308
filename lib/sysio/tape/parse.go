package tape

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Load reads and parses the tape at path.
func Load(path string) (*Tape, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse reads a tape. Errors name the line and say what was expected there.
func Parse(r io.Reader) (*Tape, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	text := string(data)
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("not a flock tape: empty, or the last line has no newline")
	}
	p := &parser{lines: strings.Split(strings.TrimSuffix(text, "\n"), "\n")}
	if err := p.magic(); err != nil {
		return nil, err
	}
	t := &Tape{}
	if err := p.header(t); err != nil {
		return nil, err
	}
	for {
		line, ok := p.nextNonBlank()
		switch {
		case !ok:
			return nil, p.errorf("the tape ends without an outcome")
		case strings.HasPrefix(line, "exchange "):
			if err := p.exchange(t, line); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "outcome "):
			if err := p.outcome(t, line); err != nil {
				return nil, err
			}
			if _, more := p.nextNonBlank(); more {
				return nil, p.errorf("nothing may follow the outcome")
			}
			return t, t.validate()
		default:
			return nil, p.errorf("want \"exchange N +T CHANNEL\" or \"outcome +T\", got %q", clip(line, 60))
		}
	}
}

type parser struct {
	lines []string
	n     int // lines consumed; the line number of the last one read
}

func (p *parser) next() (string, bool) {
	if p.n >= len(p.lines) {
		return "", false
	}
	p.n++
	return p.lines[p.n-1], true
}

func (p *parser) peek() (string, bool) {
	if p.n >= len(p.lines) {
		return "", false
	}
	return p.lines[p.n], true
}

func (p *parser) nextNonBlank() (string, bool) {
	for {
		line, ok := p.next()
		if !ok || line != "" {
			return line, ok
		}
	}
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.n, fmt.Sprintf(format, args...))
}

func (p *parser) magic() error {
	line, _ := p.next()
	word, v, _ := strings.Cut(line, " ")
	if word != Magic {
		return fmt.Errorf("not a flock tape: the first line must be %q", fmt.Sprintf("%s %d", Magic, Version))
	}
	if v != strconv.Itoa(Version) {
		return fmt.Errorf("tape format version %q is not supported (this build reads version %d): re-record the tape or use a matching flock-sim", v, Version)
	}
	return nil
}

// headerOrder is the order of the invocation lines; note and env may repeat. Slices, not maps,
// here and in outcomeOrder: a map literal is built at start-up, and most runs never parse a tape.
var headerOrder = []string{"agent", "start", "note", "argv", "env", "stdin"}

func (p *parser) header(t *Tape) error {
	last, seen := 0, map[string]bool{}
	for {
		line, ok := p.peek()
		if !ok || strings.HasPrefix(line, "exchange ") || strings.HasPrefix(line, "outcome ") {
			break
		}
		p.next()
		if line == "" {
			continue
		}
		fl, err := p.field(line)
		if err != nil {
			return err
		}
		rank := slices.Index(headerOrder, fl.Key) + 1
		switch {
		case rank == 0:
			return p.errorf("unknown line %q in the invocation (want agent, start, note, argv, env or stdin)", fl.Key)
		case rank < last || (rank == last && fl.Key != "note" && fl.Key != "env"):
			return p.errorf("%q is out of place: the invocation reads agent, start, note..., argv, env..., stdin", fl.Key)
		case fl.Key != "argv" && len(fl.Args) != 1:
			return p.errorf("%s takes one value", fl.Key)
		}
		last, seen[fl.Key] = rank, true
		switch v := fl.Args; fl.Key {
		case "agent":
			t.Agent = v[0]
		case "start":
			if t.Start, err = time.Parse(timeLayout, v[0]); err != nil {
				return p.errorf("bad start time %q (want like 2025-01-31T12:00:00.000Z)", v[0])
			}
		case "note":
			t.Notes = append(t.Notes, v[0])
		case "argv":
			t.Args = v
		case "env":
			t.Env = append(t.Env, v[0])
		case "stdin":
			t.Stdin = v[0]
		}
	}
	for _, k := range []string{"agent", "start", "argv"} {
		if !seen[k] {
			return p.errorf("the invocation has no %s line", k)
		}
	}
	return nil
}

func (p *parser) exchange(t *Tape, line string) error {
	parts := strings.SplitN(line, " ", 4)
	if len(parts) != 4 {
		return p.errorf("want \"exchange N +T CHANNEL\"")
	}
	if parts[1] != strconv.Itoa(len(t.Exchanges)+1) {
		return p.errorf("exchange %s is out of sequence: want %d", parts[1], len(t.Exchanges)+1)
	}
	at, err := parseAt(parts[2])
	if err != nil {
		return p.errorf("%v", err)
	}
	e := Exchange{At: at, Channel: parts[3]}
	headLine := p.n
	for {
		next, ok := p.peek()
		if !ok || !(strings.HasPrefix(next, "> ") || strings.HasPrefix(next, "< ")) {
			break
		}
		p.next()
		if e.Took > 0 {
			return p.errorf("took must be the last line of an exchange")
		}
		fl, err := p.field(next[2:])
		if err != nil {
			return err
		}
		switch {
		case next[0] == '>' && len(e.Answer) > 0:
			return p.errorf("a question (>) after the answer (<) began")
		case next[0] == '>':
			e.Ask = append(e.Ask, fl)
		case fl.Key == "took":
			if len(fl.Args) != 1 {
				return p.errorf("took takes one duration")
			}
			if e.Took, err = parseDur(fl.Args[0]); err != nil {
				return p.errorf("%v", err)
			}
		default:
			e.Answer = append(e.Answer, fl)
		}
	}
	if err := validateExchange(e); err != nil {
		return fmt.Errorf("line %d: exchange %d (%s): %w", headLine, len(t.Exchanges)+1, e.Channel, err)
	}
	t.Exchanges = append(t.Exchanges, e)
	return nil
}

var outcomeOrder = []string{"exit", "stdout", "reason"}

func (p *parser) outcome(t *Tape, line string) error {
	at, err := parseAt(strings.TrimPrefix(line, "outcome "))
	if err != nil {
		return p.errorf("%v", err)
	}
	t.Outcome.At = at
	last := 0
	for {
		line, ok := p.peek()
		if !ok || line == "" {
			break
		}
		p.next()
		fl, err := p.field(line)
		if err != nil {
			return err
		}
		rank := slices.Index(outcomeOrder, fl.Key) + 1
		switch {
		case rank == 0:
			return p.errorf("unknown line %q in the outcome (want exit, stdout or reason)", fl.Key)
		case rank <= last:
			return p.errorf("%q is out of place: the outcome reads exit, stdout, reason", fl.Key)
		case len(fl.Args) != 1:
			return p.errorf("%s takes one value", fl.Key)
		}
		last = rank
		switch fl.Key {
		case "exit":
			if t.Outcome.Code, err = strconv.Atoi(fl.Args[0]); err != nil {
				return p.errorf("bad exit code %q", fl.Args[0])
			}
		case "stdout":
			t.Outcome.Stdout = fl.Args[0]
		case "reason":
			t.Outcome.Reason = fl.Args[0]
		}
	}
	if last == 0 {
		return p.errorf("the outcome has no exit line")
	}
	return nil
}

// field parses "key value...", reading a block from the following lines when the line opens one.
func (p *parser) field(s string) (Field, error) {
	key, rest, hasRest := strings.Cut(s, " ")
	if !validKey(key) {
		return Field{}, p.errorf("bad key %q", clip(key, 40))
	}
	if !hasRest {
		return Field{Key: key}, nil
	}
	if tag, b64, noeol, ok := blockOpener(rest); ok {
		v, err := p.block(tag, b64, noeol)
		return Field{Key: key, Args: []string{v}}, err
	}
	args, err := splitTokens(rest)
	if err != nil {
		return Field{}, p.errorf("%s: %v", key, err)
	}
	return Field{Key: key, Args: args}, nil
}

func (p *parser) block(tag string, b64, noeol bool) (string, error) {
	open := p.n
	var lines []string
	for {
		line, ok := p.next()
		if !ok {
			return "", fmt.Errorf("line %d: the block <<%s is never closed", open, tag)
		}
		if line == tag {
			break
		}
		lines = append(lines, line)
	}
	switch {
	case len(lines) == 0:
		return "", fmt.Errorf("line %d: empty block (write \"\" instead)", open)
	case b64 && noeol:
		return "", fmt.Errorf("line %d: noeol applies to text blocks only", open)
	case b64:
		v, err := base64.StdEncoding.DecodeString(strings.Join(lines, ""))
		if err != nil {
			return "", fmt.Errorf("line %d: bad base64 block: %v", open, err)
		}
		return string(v), nil
	}
	v := strings.Join(lines, "\n")
	if !noeol {
		v += "\n"
	}
	if !isText(v) {
		return "", fmt.Errorf("line %d: a text block holds control characters or invalid UTF-8: use base64", open)
	}
	return v, nil
}

// splitTokens splits values separated by single spaces; quoted ones are Go string literals.
func splitTokens(s string) ([]string, error) {
	var out []string
	for {
		if s == "" {
			return nil, errors.New("trailing space")
		}
		var tok string
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad quoted string at %s", clip(s, 40))
			}
			tok, _ = strconv.Unquote(q)
			s = s[len(q):]
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			tok, s = s[:end], s[end:]
			if !isBare(tok) {
				return nil, fmt.Errorf("%s must be quoted", strconv.Quote(clip(tok, 40)))
			}
		}
		out = append(out, tok)
		if s == "" {
			return out, nil
		}
		if s[0] != ' ' {
			return nil, fmt.Errorf("want a space after %s", strconv.Quote(clip(tok, 40)))
		}
		s = s[1:]
	}
}
