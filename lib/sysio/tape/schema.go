package tape

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// opSpec is the shape of one kind of exchange. Argument types are one letter each:
// s string, i integer, d duration, o octal permissions, m file mode (as fs.FileMode prints it),
// v device major:minor, k an error kind of the channel; a trailing * repeats the last letter
// zero or more times. Only header and env lines may repeat.
type opSpec struct {
	op     string            // the types of the op line's values
	ask    map[string]string // the other question lines
	answer map[string]string
	oneOf  []string // the answer holds exactly one of these
	need   []string // and all of these
}

func with(m map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// specs is keyed by "kind op"; every HTTP method shares "http". Built when a tape is first
// checked, not at start-up: most runs of an agent never see a tape.
var specs = sync.OnceValue(func() map[string]opSpec {
	tlsAsk := map[string]string{"tls-insecure": "", "tls-ca": "s", "tls-cert": "s", "tls-key": "s"}
	okAnswer := map[string]string{"ok": "", "error": "ks"}
	okOrErr := []string{"ok", "error"}
	dmSpec := opSpec{op: "s", answer: map[string]string{"dev": "v", "open": "i", "event": "i", "state": "s*", "uuid": "s",
		"target": "iiss", "error": "ks"}, oneOf: []string{"dev", "error"}}
	return map[string]opSpec{
		"http": {op: "s",
			ask:    with(tlsAsk, map[string]string{"header": "ss", "body": "s", "timeout": "d"}),
			answer: map[string]string{"status": "i", "header": "ss", "body": "s", "error": "ks"},
			oneOf:  []string{"status", "error"}},
		"mqtt connect": {op: "s",
			ask:    with(tlsAsk, map[string]string{"client-id": "s", "username": "s", "timeout": "d"}),
			answer: okAnswer, oneOf: okOrErr},
		"mqtt subscribe": {op: "ss*", answer: okAnswer, oneOf: okOrErr},
		"mqtt publish": {op: "s", ask: map[string]string{"payload": "s", "qos": "i", "retained": ""},
			answer: okAnswer, oneOf: okOrErr},
		"mqtt receive": {op: "d",
			answer: map[string]string{"message": "s", "payload": "s", "qos": "i", "retained": "", "nothing": "", "error": "ks"},
			oneOf:  []string{"message", "nothing", "error"}},
		"mqtt close": {op: "", answer: map[string]string{"ok": ""}, need: []string{"ok"}},
		"exec run": {op: "s*", ask: map[string]string{"env": "s", "dir": "s", "stdin": "s", "secret-output": ""},
			answer: map[string]string{"exit": "i", "stdout": "s", "stderr": "s", "error": "ks"},
			need:   []string{"exit"}},
		"files read":        {op: "s", answer: map[string]string{"data": "s", "error": "ks"}, oneOf: []string{"data", "error"}},
		"files read-at":     {op: "sii", answer: map[string]string{"data": "s", "error": "ks"}, oneOf: []string{"data", "error"}},
		"files write-block": {op: "svi", ask: map[string]string{"data": "s", "exclusive": ""}, answer: okAnswer, oneOf: okOrErr},
		"files write":       {op: "so", ask: map[string]string{"data": "s"}, answer: okAnswer, oneOf: okOrErr},
		"files stat": {op: "s", answer: map[string]string{"mode": "m", "size": "i", "dev": "v", "error": "ks"},
			oneOf: []string{"mode", "error"}},
		"files readdir": {op: "s", answer: map[string]string{"names": "s*", "error": "ks"}, oneOf: []string{"names", "error"}},
		"clock sleep":   {op: "d", answer: okAnswer, oneOf: okOrErr},
		"dm info":       dmSpec,
		"dm table":      dmSpec,
		"dm status":     dmSpec,
		"dial send": {op: "s", ask: map[string]string{"data": "s", "timeout": "d"},
			answer: map[string]string{"data": "s", "error": "ks"}, oneOf: []string{"data", "error"}},
	}
})

var netKinds = []string{string(sysio.NetTimeout), string(sysio.NetRefused), string(sysio.NetReset), string(sysio.NetUnreachable),
	string(sysio.NetTLS), string(sysio.NetDNS), string(sysio.NetAuth), string(sysio.NetOther)}

// errKinds are the error kinds each channel kind can replay, as the errors agents test for.
func errKinds(kind string) []string {
	switch kind {
	case "http", "mqtt", "dial":
		return netKinds
	case "exec":
		return []string{"not-found", "permission", "deadline", "canceled", "other"}
	case "files":
		return []string{"not-exist", "permission", "other"}
	case "clock":
		return []string{"deadline", "canceled", "other"}
	case "dm":
		return []string{"no-device", "no-control", "permission", "other"}
	}
	return nil
}

// repeating are the lines an exchange may hold more than once.
var repeating = []string{"header", "env", "target"}

func specOf(e Exchange) (opSpec, error) {
	key := e.Kind() + " " + e.Op()
	if e.Kind() == "http" {
		if !isMethod(e.Op()) {
			return opSpec{}, fmt.Errorf("%q is not an HTTP method", e.Op())
		}
		key = "http"
	}
	s, ok := specs()[key]
	if !ok {
		return opSpec{}, fmt.Errorf("unknown %s operation %q", e.Kind(), e.Op())
	}
	return s, nil
}

func validChannel(ch string) bool {
	switch {
	case ch == "exec" || ch == "files" || ch == "clock" || ch == "dm":
		return true
	case strings.HasPrefix(ch, "http "):
		return httpChannelOK(ch) && isBare(ch[5:])
	case strings.HasPrefix(ch, "dial "):
		return dialChannelOK(ch)
	}
	broker, ok := mqttChannelBroker(ch)
	return ok && isBare(broker)
}

func validateExchange(e Exchange) error {
	if !validChannel(e.Channel) {
		return errors.New("unknown channel (want http HOST:PORT, http unix:PATH, mqtt BROKER #N, dial tcp|udp HOST:PORT, exec, files, clock or dm)")
	}
	if len(e.Ask) == 0 {
		return errors.New("no question (> lines)")
	}
	if e.At < 0 || e.Took < 0 {
		return errors.New("negative time")
	}
	s, err := specOf(e)
	if err != nil {
		return err
	}
	kinds := errKinds(e.Kind())
	if err := checkArgs(s.op, e.Ask[0].Args, kinds); err != nil {
		return fmt.Errorf("> %s: %w", e.Op(), err)
	}
	if err := checkFields(">", e.Ask[1:], s.ask, kinds); err != nil {
		return err
	}
	if err := checkFields("<", e.Answer, s.answer, kinds); err != nil {
		return err
	}
	if len(s.oneOf) > 0 {
		n := 0
		for _, k := range s.oneOf {
			if has(e.Answer, k) {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("the answer must hold exactly one of %s", strings.Join(s.oneOf, ", "))
		}
	}
	for _, k := range s.need {
		if !has(e.Answer, k) {
			return fmt.Errorf("the answer has no %s", k)
		}
	}
	return nil
}

func checkFields(dir string, fs []Field, allowed map[string]string, kinds []string) error {
	seen := map[string]bool{}
	for _, fl := range fs {
		types, ok := allowed[fl.Key]
		if !ok {
			return fmt.Errorf("%s %s: not allowed here", dir, fl.Key)
		}
		if seen[fl.Key] && !slices.Contains(repeating, fl.Key) {
			return fmt.Errorf("%s %s: appears twice", dir, fl.Key)
		}
		seen[fl.Key] = true
		if err := checkArgs(types, fl.Args, kinds); err != nil {
			return fmt.Errorf("%s %s: %w", dir, fl.Key, err)
		}
	}
	return nil
}

func checkArgs(types string, args []string, kinds []string) error {
	fixed, rep := types, byte(0)
	if strings.HasSuffix(types, "*") {
		fixed, rep = types[:len(types)-2], types[len(types)-2]
	}
	if len(args) < len(fixed) || (rep == 0 && len(args) > len(fixed)) {
		return fmt.Errorf("wants %s", describe(types))
	}
	for i, a := range args {
		t := rep
		if i < len(fixed) {
			t = fixed[i]
		}
		if err := checkArg(t, a, kinds); err != nil {
			return err
		}
	}
	return nil
}

func checkArg(t byte, a string, kinds []string) error {
	var err error
	switch t {
	case 'i':
		_, err = strconv.ParseInt(a, 10, 64)
	case 'd':
		_, err = parseDur(a)
	case 'o':
		if !isOctalMode(a) {
			err = fmt.Errorf("bad permissions %q (want octal like 0644)", a)
		}
	case 'm':
		_, err = parseMode(a)
	case 'v':
		if !isMajMin(a) {
			err = fmt.Errorf("bad device %q (want MAJOR:MINOR)", a)
		}
	case 'k':
		if !slices.Contains(kinds, a) {
			err = fmt.Errorf("unknown error kind %q (want one of %s)", a, strings.Join(kinds, ", "))
		}
	}
	return err
}

func describe(types string) string {
	switch types {
	case "":
		return "no value"
	case "s*":
		return "a list of values"
	case "ss*":
		return "one value or more"
	}
	return fmt.Sprintf("%d values", len(types))
}

// validate checks what Parse checks, for tapes built in code.
func (t *Tape) validate() error {
	switch {
	case t.Agent == "" || strings.ContainsAny(t.Agent, "/\n"):
		return fmt.Errorf("bad agent name %q", t.Agent)
	case len(t.Args) == 0:
		return errors.New("the invocation has no argv")
	}
	for _, kv := range t.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("env %q is not NAME=VALUE", clip(kv, 40))
		}
	}
	for i, e := range t.Exchanges {
		if err := validateExchange(e); err != nil {
			return fmt.Errorf("exchange %d (%s): %w", i+1, e.Channel, err)
		}
	}
	return nil
}
