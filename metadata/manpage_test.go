package metadata

import (
	"encoding/xml"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The man pages are rendered from the agents' declarations, like the meta-data, by separate
// code. These tests build each binary, parse both of its outputs and compare them, so a
// parameter, default or timeout the page lost or invented fails here.

// build compiles one package main of the repository into dir.
func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, out)
	return bin
}

func output(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	require.NoError(t, err, "%s %v", bin, args)
	return string(out)
}

// unroff turns the escapes our pages use back into text.
func unroff(s string) string {
	return strings.NewReplacer(`\-`, "-", `\e`, `\`, `\&`, "", `\fB`, "", `\fI`, "", `\fR`, "").Replace(s)
}

type ocfMeta struct {
	Params []struct {
		Name        string `xml:"name,attr"`
		Required    string `xml:"required,attr"`
		Unique      string `xml:"unique,attr"`
		UniqueGroup string `xml:"unique-group,attr"`
		Reloadable  string `xml:"reloadable,attr"`
		Content     struct {
			Type    string `xml:"type,attr"`
			Default string `xml:"default,attr"`
			Options []struct {
				Value string `xml:"value,attr"`
			} `xml:"option"`
		} `xml:"content"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name     string `xml:"name,attr"`
		Timeout  string `xml:"timeout,attr"`
		Interval string `xml:"interval,attr"`
		Depth    string `xml:"depth,attr"`
		Role     string `xml:"role,attr"`
	} `xml:"actions>action"`
}

var (
	ocfParam  = regexp.MustCompile(`(?m)^\.PP\n\\fB(.+)\\fR\n\.RS 4\n(?:.*\n)*?\.sp\n\((.*)\)\n\.RE$`)
	ocfAction = regexp.MustCompile(`(?m)^\.PP\n\\fB(.+?)(?: \((\w+) role\))?\\fR\n\.RS 4\n.*Suggested minimum timeout: (\w+)\.(?: Suggested interval: (\w+)\. Check level \(OCF_CHECK_LEVEL\): (\d+)\.)?\n\.RE$`)
	ocfPcs    = regexp.MustCompile(`(?m)^  (\w+)=\\fI\w+\\fR`)
)

// section returns the text of one .SH section.
func section(page, name string) string {
	_, rest, ok := strings.Cut(page, ".SH "+name+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n.SH "); i >= 0 {
		rest = rest[:i+1]
	}
	return rest
}

func TestOCFManPagesMatchMetaData(t *testing.T) {
	dirs, _ := filepath.Glob("../ocf-*")
	require.NotEmpty(t, dirs)
	bins := t.TempDir()
	for _, dir := range dirs {
		pkg := filepath.Base(dir)
		t.Run(pkg, func(t *testing.T) {
			bin := build(t, bins, pkg)
			var meta ocfMeta
			require.NoError(t, xml.Unmarshal([]byte(output(t, bin, "meta-data")), &meta))
			page := output(t, bin, "manpage")

			var want, got []string
			var required []string
			for _, p := range meta.Params {
				at := []string{}
				if p.Unique == "1" || p.UniqueGroup != "" {
					at = append(at, "unique")
				}
				if p.Required == "1" {
					at = append(at, "required")
					required = append(required, p.Name)
				} else {
					at = append(at, "optional")
				}
				if p.Reloadable == "1" {
					at = append(at, "reloadable")
				}
				typ := p.Content.Type
				if len(p.Content.Options) > 0 {
					var opts []string
					for _, o := range p.Content.Options {
						opts = append(opts, o.Value)
					}
					typ += " (" + strings.Join(opts, "|") + ")"
				}
				at = append(at, typ)
				if p.Content.Default == "" {
					at = append(at, "no default")
				} else {
					at = append(at, "default "+p.Content.Default)
				}
				want = append(want, p.Name+": "+strings.Join(at, ", "))
			}
			for _, m := range ocfParam.FindAllStringSubmatch(section(page, "SUPPORTED PARAMETERS"), -1) {
				got = append(got, unroff(m[1])+": "+unroff(m[2]))
			}
			assert.Equal(t, want, got, "parameters: meta-data vs man page")

			want, got = nil, nil
			for _, a := range meta.Actions {
				want = append(want, strings.Join([]string{a.Name, a.Role, a.Timeout, a.Interval, a.Depth}, "/"))
			}
			for _, m := range ocfAction.FindAllStringSubmatch(section(page, "SUPPORTED ACTIONS"), -1) {
				got = append(got, strings.Join([]string{unroff(m[1]), m[2], m[3], m[4], m[5]}, "/"))
			}
			assert.Equal(t, want, got, "actions: meta-data vs man page")

			var example []string
			for _, m := range ocfPcs.FindAllStringSubmatch(section(page, `"EXAMPLE PCS"`), -1) {
				example = append(example, m[1])
			}
			assert.Equal(t, required, example, "the pcs example sets the required parameters")
			assert.True(t, strings.HasPrefix(page, ".TH OCF_FLOCK_"), "section 7 page of ocf:flock:…")
		})
	}
}

type fenceMeta struct {
	Params []struct {
		Name       string `xml:"name,attr"`
		Required   string `xml:"required,attr"`
		Deprecated string `xml:"deprecated,attr"`
		Getopt     struct {
			Mixed string `xml:"mixed,attr"`
		} `xml:"getopt"`
		Content struct {
			Default string `xml:"default,attr"`
		} `xml:"content"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name string `xml:"name,attr"`
	} `xml:"actions>action"`
}

var (
	fenceOption = regexp.MustCompile(`(?m)^\.TP\n\.B (.+)\n(.*)$`)
	fenceAction = regexp.MustCompile(`(?m)^\.TP\n\\fB(.+)\\fR$`)
	fenceStdin  = regexp.MustCompile(`(?m)^\.TP\n\.B (\S+)\n`)
	fenceDef    = regexp.MustCompile(`\(Default Value: (.*?)\)`)
)

func TestFenceManPageMatchesMetaData(t *testing.T) {
	bin := build(t, t.TempDir(), "fence-espurna")
	var meta fenceMeta
	require.NoError(t, xml.Unmarshal([]byte(output(t, bin, "-o", "metadata")), &meta))
	page := output(t, bin, "-o", "manpage")

	var want, got, names, stdin []string
	for _, p := range meta.Params {
		names = append(names, p.Name)
		if p.Deprecated == "1" {
			continue
		}
		want = append(want, strings.Join([]string{p.Getopt.Mixed, p.Required, p.Content.Default}, " | "))
	}
	for _, m := range fenceOption.FindAllStringSubmatch(section(page, "OPTIONS"), -1) {
		req := "0"
		if strings.Contains(m[2], "This parameter is always required.") {
			req = "1"
		}
		def := ""
		if d := fenceDef.FindStringSubmatch(m[2]); d != nil {
			def = unroff(d[1])
		}
		got = append(got, strings.Join([]string{unroff(m[1]), req, def}, " | "))
	}
	assert.Equal(t, want, got, "options (getopt, required, default): meta-data vs man page")

	for _, m := range fenceStdin.FindAllStringSubmatch(section(page, "STDIN PARAMETERS"), -1) {
		stdin = append(stdin, unroff(m[1]))
	}
	assert.Equal(t, names, stdin, "stdin parameters, old names included: meta-data vs man page")

	var acts, pageActs []string
	for _, a := range meta.Actions {
		acts = append(acts, a.Name)
	}
	for _, m := range fenceAction.FindAllStringSubmatch(section(page, "ACTIONS"), -1) {
		pageActs = append(pageActs, unroff(m[1]))
	}
	assert.Equal(t, acts, pageActs, "actions: meta-data vs man page")
}

// flock-sim has no meta-data: its page is compared with the help that urfave/cli renders from
// the same declaration, command by command and option by option (names and value placeholder).
var (
	simCommand = regexp.MustCompile(`(?m)^\.SS "(\S+)`)
	simOption  = regexp.MustCompile(`(?m)^\.TP\n\\fB(.+?)\\fR(?: \\fI(.+?)\\fR)?\n`)
	helpOption = regexp.MustCompile(`(?m)^   (-.*?)  `)
)

func TestFlockSimManPageMatchesHelp(t *testing.T) {
	bin := build(t, t.TempDir(), "simulator")
	page := output(t, bin, "manpage")

	var cmds, helpCmds []string
	for _, m := range simCommand.FindAllStringSubmatch(page, -1) {
		cmds = append(cmds, m[1])
	}
	help := output(t, bin, "--help")
	_, list, _ := strings.Cut(help, "COMMANDS:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		helpCmds = append(helpCmds, strings.Fields(l)[0])
	}
	require.NotEmpty(t, helpCmds, help)
	assert.Equal(t, helpCmds, cmds, "commands: help vs man page")

	parts := simCommand.Split(page, -1)[1:]
	require.Len(t, parts, len(cmds))
	for i, cmd := range cmds {
		var want, got []string
		for _, m := range helpOption.FindAllStringSubmatch(output(t, bin, cmd, "--help"), -1) {
			var names []string
			placeholder := ""
			for _, spelling := range strings.Split(m[1], ", ") { // "--output TAPE, -o TAPE"
				f := strings.Fields(spelling)
				names = append(names, f[0])
				if len(f) > 1 {
					placeholder = f[1]
				}
			}
			if names[0] != "--help" {
				want = append(want, strings.Join(names, ",")+" "+placeholder)
			}
		}
		for _, m := range simOption.FindAllStringSubmatch(parts[i], -1) {
			got = append(got, strings.ReplaceAll(unroff(m[1]), ", ", ",")+" "+unroff(m[2]))
		}
		assert.Equal(t, want, got, "options of %s: help vs man page", cmd)
	}
}
