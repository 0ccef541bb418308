package fence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// password resolves password_script when given: the script runs without a shell (its words
// split like a shell would, quotes honoured) and its output, trimmed, replaces the password.
func password(r *Request, decls []param.Param) error {
	if has(decls, "password") {
		r.Password = r.Values.String("password")
	}
	if !has(decls, "password_script") || r.Values.String("password_script") == "" {
		return nil
	}
	pw, err := Script(r, r.Values.String("password_script"))
	if err != nil {
		return fmt.Errorf("password_script: %w", err)
	}
	r.Password = pw
	return nil
}

// Script runs a secret-retrieving command line without a shell (words split with shell-like
// quoting) and returns its output, trimmed. The output is registered as a secret everywhere.
func Script(r *Request, cmdline string) (string, error) {
	argv, err := splitWords(cmdline)
	if err != nil || len(argv) == 0 {
		return "", orEmpty(err)
	}
	ctx, cancel := sysio.WithTimeout(r.Proc.Clock, context.Background(), r.Values.Duration("login_timeout")+10*time.Second)
	defer cancel()
	res, err := r.Proc.Exec.Run(ctx, sysio.Cmd{Argv: argv, SecretOutput: true})
	if err != nil {
		return "", fmt.Errorf("%s could not run: %v", argv[0], err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("%s exited with %d", argv[0], res.ExitCode)
	}
	out := strings.TrimRight(string(res.Stdout), "\r\n \t")
	r.Log.Redact(out)
	return out, nil
}

func orEmpty(err error) error {
	if err == nil {
		return errors.New("empty command")
	}
	return err
}

// splitWords splits a command line into words with shell-like quoting, without a shell.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	esc := false
	for _, c := range s {
		switch {
		case esc:
			cur.WriteRune(c)
			esc = false
		case c == '\\' && quote != '\'':
			esc, inWord = true, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 || esc {
		return nil, errors.New("unbalanced quotes")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
