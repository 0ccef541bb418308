package ocf

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// inert has example's parameters and every optional action, with handlers that touch nothing,
// so that the fuzzer explores the runtime and not the file system.
var inert = func() *Agent {
	a := *example
	a.Name = "inert"
	ok := func(*Request) error { return nil }
	a.Actions = Actions{Start: ok, Stop: ok, Monitor: func(*Request) error { return NotRunning },
		Validate: ok, Reload: ok, Promote: ok, Demote: ok, Notify: ok, MigrateTo: ok, MigrateFrom: ok,
		Unconfigured: func(*Request, error) error { return nil }}
	return &a
}()

// FuzzEnv feeds arbitrary actions and environments to Run. Each line of env is a variable:
// lines starting with OCF_ go in as they are (OCF_CHECK_LEVEL, OCF_RESOURCE_INSTANCE, …), the
// others get the OCF_RESKEY_ prefix. Run must never panic and must exit with an OCF code and at
// most one well-formed exit reason.
//
//	go test -run=XXX -fuzz=FuzzEnv -fuzztime=10s ./agents/ocf/
func FuzzEnv(f *testing.F) {
	f.Add("start", "state=/s\ncount=5\nparanoid=yes\nmode=fail\ndelay=2min\npassword=x\npin=7")
	f.Add("monitor", "state=/s\ncount=abc\nCRM_meta_interval=0\nOCF_CHECK_LEVEL=10")
	f.Add("stop", "count=11\nCRM_meta_timeout=1")
	f.Add("validate-all", "state=\npin=1e9\ndelay=-1s\nOCF_RESKEY_OCF_CHECK_LEVEL=x")
	f.Add("reload", "state=/s\ntrace_ra=1\ntrace_file=/dev/stderr")
	f.Add("meta-data", "")
	f.Add("", "OCF_RESOURCE_INSTANCE=")
	f.Add("migrate_to", "state=/s\nCRM_meta_migrate_target=n2\nCRM_meta_timeout=99999999999999999999")
	f.Fuzz(func(t *testing.T, action, env string) {
		dir := t.TempDir()
		vars := append([]string{}, pacemakerEnv...)
		for _, l := range strings.Split(env, "\n") {
			if !strings.HasPrefix(l, "OCF_") {
				l = reskey + l
			}
			vars = append(vars, l)
		}
		// Keep traces in the sandbox and exit reasons recognisable.
		vars = append(vars, "OCF_TRACE_FILE="+filepath.Join(dir, "trace"), "HA_VARLIB="+dir, "OCF_EXIT_REASON_PREFIX=")
		var out, errb bytes.Buffer
		p := &sysio.Proc{Args: []string{"inert", action}, Env: vars, Stdin: strings.NewReader(""),
			Stdout: &out, Stderr: &errb, World: sysio.Real()}

		code := Code(Run(inert, p))
		if _, known := codeNames[code]; !known {
			t.Fatalf("exit code %d is not an OCF code", code)
		}
		if out.Len() > 0 && action != "meta-data" && action != "usage" && action != "help" && action != "-h" && action != "--help" {
			t.Fatalf("%s wrote to stdout: %q", action, out.String())
		}
		reasons := 0
		for _, l := range strings.Split(errb.String(), "\n") {
			if r, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
				reasons++
				if len(r) > maxReason || strings.ContainsAny(r, "\r\n") {
					t.Fatalf("malformed exit reason %q", r)
				}
			}
		}
		if reasons > 1 {
			t.Fatalf("%d exit reasons:\n%s", reasons, errb.String())
		}
	})
}
