package tape

import (
	"context"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

func execAsk(c sysio.Cmd) []Field {
	ask := []Field{fld("run", c.Argv...)}
	for _, kv := range c.Env {
		ask = append(ask, fld("env", kv))
	}
	if c.Dir != "" {
		ask = append(ask, fld("dir", c.Dir))
	}
	if len(c.Stdin) > 0 {
		ask = append(ask, fld("stdin", string(c.Stdin)))
	}
	if c.SecretOutput {
		ask = append(ask, fld("secret-output"))
	}
	return ask
}

// execAnswer keeps the result even beside an error: a program killed at its deadline may have
// written something first.
func execAnswer(res sysio.CmdResult, err error) []Field {
	ans := []Field{fld("exit", strconv.Itoa(res.ExitCode))}
	if len(res.Stdout) > 0 {
		ans = append(ans, fld("stdout", string(res.Stdout)))
	}
	if len(res.Stderr) > 0 {
		ans = append(ans, fld("stderr", string(res.Stderr)))
	}
	if err != nil {
		ans = append(ans, errorField("exec", err))
	}
	return ans
}

type recExec struct{ r *recorder }

func (x recExec) Run(ctx context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	x.r.secrets.fromEnv(c.Env)
	id := x.r.begin("exec", execAsk(c))
	res, err := x.r.inner.Exec.Run(ctx, c)
	if c.SecretOutput { // a password script's answer, as printed and as the agent trims it
		src := "the output of " + agentName(c.Argv)
		x.r.secrets.add(src, string(res.Stdout))
		x.r.secrets.add(src, strings.TrimSpace(string(res.Stdout)))
	}
	kept := res
	if c.KeepStdout != nil {
		kept.Stdout = c.KeepStdout(res.Stdout)
	}
	x.r.end(id, execAnswer(kept, err))
	return res, err
}

type playExec struct{ p *player }

func (x playExec) Run(_ context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	e, err := x.p.serve("exec", execAsk(c))
	if err != nil {
		return sysio.CmdResult{ExitCode: -1}, err
	}
	code, _ := strconv.Atoi(arg(e.Answer, "exit")) // checked by the schema
	res := sysio.CmdResult{Stdout: []byte(arg(e.Answer, "stdout")), Stderr: []byte(arg(e.Answer, "stderr")),
		ExitCode: code, Duration: e.Took}
	return res, answerError("exec", e.Answer)
}
