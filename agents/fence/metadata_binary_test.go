package fence_test

// Meta-data against the fence-agents and pcs RelaxNG schemas and against what fence-agents'
// own agents print; the man page through man/groff; and Pacemaker's and pcs' view of the agent.

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type xmlMeta struct {
	XMLName   xml.Name `xml:"resource-agent"`
	Name      string   `xml:"name,attr"`
	Shortdesc string   `xml:"shortdesc,attr"`
	Longdesc  string   `xml:"longdesc"`
	VendorURL string   `xml:"vendor-url"`
	Params    []struct {
		Name       string `xml:"name,attr"`
		Unique     string `xml:"unique,attr"`
		Required   string `xml:"required,attr"`
		Deprecated string `xml:"deprecated,attr"`
		Obsoletes  string `xml:"obsoletes,attr"`
		Getopt     struct {
			Mixed string `xml:"mixed,attr"`
		} `xml:"getopt"`
		Content struct {
			Type    string `xml:"type,attr"`
			Default string `xml:"default,attr"`
			Options []struct {
				Value string `xml:"value,attr"`
			} `xml:"option"`
		} `xml:"content"`
		Shortdesc []struct {
			Lang string `xml:"lang,attr"`
			Text string `xml:",chardata"`
		} `xml:"shortdesc"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name      string `xml:"name,attr"`
		Automatic string `xml:"automatic,attr"`
		OnTarget  string `xml:"on_target,attr"`
	} `xml:"actions>action"`
}

func parseMeta(t *testing.T, s string) xmlMeta {
	t.Helper()
	var m xmlMeta
	require.NoError(t, xml.Unmarshal([]byte(s), &m), s)
	return m
}

func metadataOf(t *testing.T) string {
	t.Helper()
	r := stdin(t, "action=metadata")
	require.Equal(t, 0, r.Code, r)
	require.Empty(t, r.Stderr)
	return r.Stdout
}

func TestMetadataSchemas(t *testing.T) {
	t.Parallel()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed")
	}
	meta := filepath.Join(t.TempDir(), "meta.xml")
	require.NoError(t, os.WriteFile(meta, []byte(metadataOf(t)), 0o644))
	// fence-agents' lib/metadata.rng: Debian's fence-agents ships it in /usr/share/cluster/relaxng.
	schemas := []string{"/usr/share/cluster/relaxng/metadata.rng", "/usr/share/pcs/data/ocf-1.0.rng"}
	checked := 0
	for _, rng := range schemas {
		if !fileExists(rng) {
			t.Logf("%s not present: not checked", rng)
			continue
		}
		out, err := exec.Command(xmllint, "--noout", "--relaxng", rng, meta).CombinedOutput()
		assert.NoError(t, err, "%s:\n%s", rng, out)
		checked++
	}
	if checked == 0 {
		t.Skip("no RelaxNG schema found (fence-agents or pcs not installed)")
	}
	// fence-agents' rng-check: metadata | xsltproc fence2rng.xsl | xmllint --nsclean --noout.
	xsl := "/usr/share/cluster/relaxng/fence2rng.xsl"
	if xsltproc, err := exec.LookPath("xsltproc"); err == nil && fileExists(xsl) {
		rng, err := exec.Command(xsltproc, xsl, meta).Output()
		require.NoError(t, err)
		cmd := exec.Command(xmllint, "--nsclean", "--noout", "-")
		cmd.Stdin = bytes.NewReader(rng)
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "fence2rng output is not well-formed:\n%s", out)
	}
}

func TestMetadataContent(t *testing.T) {
	t.Parallel()
	m := parseMeta(t, metadataOf(t))
	assert.Equal(t, "fence_flocktest", m.Name)
	assert.NotEmpty(t, m.Shortdesc)
	assert.NotContains(t, m.Longdesc, `\fB`, "man markup is stripped from meta-data")
	assert.NotContains(t, m.Longdesc, ".P")
	assert.Equal(t, "https://github.com/isard-vdi/flock-agents", m.VendorURL)

	byName := map[string]int{}
	for i, p := range m.Params {
		_, dup := byName[p.Name]
		assert.False(t, dup, "parameter %s listed twice", p.Name)
		byName[p.Name] = i
		assert.Contains(t, []string{"0", "1"}, p.Unique, p.Name)
		assert.Contains(t, []string{"0", "1"}, p.Required, p.Name)
		assert.Contains(t, []string{"string", "boolean", "integer", "second", "select"}, p.Content.Type, p.Name)
		assert.NotEmpty(t, p.Getopt.Mixed, p.Name)
		require.NotEmpty(t, p.Shortdesc, p.Name)
		assert.Equal(t, "en", p.Shortdesc[0].Lang, p.Name)
		if p.Content.Type == "select" {
			assert.NotEmpty(t, p.Content.Options, p.Name)
		}
	}
	// Every renamed option appears twice: the new name obsoletes the old, the old is deprecated,
	// with the same getopt (fence-agents metadata()).
	for newName, old := range map[string]string{"ip": "ipaddr", "username": "login", "password": "passwd",
		"password_script": "passwd_script", "plug": "port", "debug_file": "debug"} {
		ni, ok := byName[newName]
		require.True(t, ok, "%s missing", newName)
		oi, ok := byName[old]
		require.True(t, ok, "%s missing", old)
		assert.Equal(t, old, m.Params[ni].Obsoletes, newName)
		assert.Empty(t, m.Params[ni].Deprecated, newName)
		assert.Equal(t, "1", m.Params[oi].Deprecated, old)
		assert.Empty(t, m.Params[oi].Obsoletes, old)
		assert.Equal(t, m.Params[ni].Getopt.Mixed, m.Params[oi].Getopt.Mixed, old)
		assert.Equal(t, m.Params[ni].Content.Type, m.Params[oi].Content.Type, old)
	}
	for _, n := range []string{"action", "plug_separator", "delay", "power_timeout", "stonith_status_sleep",
		"disable_timeout", "retry_on", "separator", "state_file", "mode"} {
		assert.Contains(t, byName, n)
	}
	var acts []string
	for _, a := range m.Actions {
		acts = append(acts, a.Name)
		if a.Name == "on" {
			assert.Equal(t, "0", a.Automatic, "a power switch must not ask for automatic unfencing")
		} else {
			assert.Empty(t, a.Automatic, a.Name)
		}
		assert.Empty(t, a.OnTarget, a.Name)
	}
	assert.Equal(t, []string{"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "manpage", "validate-all"}, acts)
}

// TestMetadataLikeFenceAgents compares the standard options with what fence-agents' own agents
// print for them: same getopt, content type, default and description.
func TestMetadataLikeFenceAgents(t *testing.T) {
	t.Parallel()
	ours := parseMeta(t, metadataOf(t))
	compared := 0
	for _, ref := range []string{"/usr/sbin/fence_dummy", "/usr/sbin/fence_apc"} {
		if !fileExists(ref) {
			t.Logf("%s not installed", ref)
			continue
		}
		out, err := exec.Command(ref, "-o", "metadata").Output()
		require.NoError(t, err, ref)
		theirs := parseMeta(t, string(out))
		tp := map[string]int{}
		for i, p := range theirs.Params {
			tp[p.Name] = i
		}
		for _, p := range ours.Params {
			i, ok := tp[p.Name]
			if !ok {
				continue
			}
			q := theirs.Params[i]
			compared++
			assert.Equal(t, q.Getopt.Mixed, p.Getopt.Mixed, "%s: getopt of %s", ref, p.Name)
			assert.Equal(t, q.Deprecated, p.Deprecated, "%s: deprecated on %s", ref, p.Name)
			assert.Equal(t, q.Obsoletes, p.Obsoletes, "%s: obsoletes on %s", ref, p.Name)
			assert.Equal(t, q.Shortdesc[0].Text, p.Shortdesc[0].Text, "%s: shortdesc of %s", ref, p.Name)
			assert.Equal(t, q.Unique, p.Unique, "%s: unique on %s", ref, p.Name)
			switch p.Name {
			case "disable_timeout":
				// fence-agents says "string" for a [true/false] value; we say what it is.
				assert.Equal(t, "boolean", p.Content.Type)
			case "ipport":
				// fence-agents computes the default from the transport (23 telnet, 80 web...).
				assert.Equal(t, q.Content.Type, p.Content.Type)
			case "ip", "ipaddr", "plug", "port", "username", "login":
				// required="1" in fence-agents' telnet agents; the test agent needs none of them.
				assert.Equal(t, q.Content.Type, p.Content.Type)
			default:
				assert.Equal(t, q.Content.Type, p.Content.Type, "%s: content type of %s", ref, p.Name)
				assert.Equal(t, q.Content.Default, p.Content.Default, "%s: default of %s", ref, p.Name)
				assert.Equal(t, q.Required, p.Required, "%s: required on %s", ref, p.Name)
			}
		}
		// The actions of a multi-plug agent: fence_apc declares port, like ours.
		if strings.HasSuffix(ref, "fence_apc") {
			var a, b []string
			for _, x := range theirs.Actions {
				a = append(a, x.Name+"/"+x.Automatic+"/"+x.OnTarget)
			}
			for _, x := range ours.Actions {
				b = append(b, x.Name+"/"+x.Automatic+"/"+x.OnTarget)
			}
			assert.Equal(t, a, b, "actions as fence_apc has them")
		}
	}
	if compared == 0 {
		t.Skip("no fence-agents agent installed to compare with")
	}
}

func TestManpage(t *testing.T) {
	t.Parallel()
	r := stdin(t, "action=manpage")
	require.Equal(t, 0, r.Code, r)
	page := r.Stdout
	require.True(t, strings.HasPrefix(page, ".TH FENCE_FLOCKTEST 8 "), page)
	for _, sec := range []string{".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH ACTIONS", ".SH STDIN PARAMETERS"} {
		assert.Contains(t, page, "\n"+sec+"\n")
	}
	assert.Contains(t, page, `\fBfence_flocktest\fR`, "man markup is kept for the man page")
	assert.Contains(t, page, `.B \-n, \-\-plug=[id]`)
	assert.Contains(t, page, "\n.B port\n")
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			macro := strings.Fields(l)[0]
			assert.Contains(t, []string{".TH", ".SH", ".B", ".TP", ".P", ".br"}, macro, "unexpected request in %q", l)
		}
	}

	if man, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command(man, "--warnings", "-l", "-")
		cmd.Env = append(baseEnv(), "MANWIDTH=80", "MAN_KEEP_FORMATTING=0", "MANPAGER=cat", "PAGER=cat")
		cmd.Stdin = strings.NewReader(page)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), errb.String())
		assert.Empty(t, errb.String(), "man warns")
		assert.Contains(t, out.String(), "fence_flocktest - Fence agent for testing")
		return
	}
	for _, tool := range []string{"groff", "nroff"} {
		if p, err := exec.LookPath(tool); err == nil {
			args := []string{"-man", "-ww", "-z"}
			if tool == "nroff" {
				args = []string{"-man", "-ww"}
			}
			cmd := exec.Command(p, args...)
			cmd.Stdin = strings.NewReader(page)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err)
			if tool == "groff" {
				assert.Empty(t, string(out), "groff warns")
			}
			return
		}
	}
	t.Log("no man, groff or nroff: structural checks only")
}

// TestPacemakerAcceptance installs the agent as /usr/sbin/fence_flocktest (where Pacemaker and
// pcs look for fence agents) and asks them about it. Needs root and Pacemaker; no cluster.
func TestPacemakerAcceptance(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to install into /usr/sbin")
	}
	stonithAdmin, err := exec.LookPath("stonith_admin")
	if err != nil && fileExists("/usr/sbin/stonith_admin") {
		stonithAdmin, err = "/usr/sbin/stonith_admin", nil
	}
	if err != nil {
		t.Skip("stonith_admin not installed")
	}
	const installed = "/usr/sbin/fence_flocktest"
	bin := agentBinary(t)

	// Serialise with other runs of this test on the machine: they share the installed file.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "fence_flocktest.install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	defer lock.Close()
	require.NoError(t, syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	if fileExists(installed) {
		t.Fatalf("%s already exists and is not ours: refusing to overwrite it", installed)
	}
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	tmp := installed + ".tmp-test"
	t.Cleanup(func() { os.Remove(tmp); os.Remove(installed) })
	require.NoError(t, os.WriteFile(tmp, data, 0o755))
	require.NoError(t, os.Rename(tmp, installed))

	run := func(name string, args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = baseEnv()
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}

	t.Run("stonith_admin --metadata", func(t *testing.T) {
		out, errs, err := run(stonithAdmin, "--metadata", "-a", "fence_flocktest")
		require.NoError(t, err, errs)
		m := parseMeta(t, out)
		assert.Equal(t, "fence_flocktest", m.Name)
		assert.NotEmpty(t, m.Params)
	})
	t.Run("stonith_admin --validate", func(t *testing.T) {
		d := newDevice(t, "1=on")
		out, errs, err := run(stonithAdmin, "--validate", "--agent", "fence_flocktest", "--output-as", "xml",
			"--option", "state_file="+d.Path, "--option", "plug=1")
		require.NoError(t, err, "%s%s", out, errs)
		assert.Contains(t, out, `valid="true"`)
		out, errs, err = run(stonithAdmin, "--validate", "--agent", "fence_flocktest", "--output-as", "xml",
			"--option", "state_file=relative")
		assert.Error(t, err)
		assert.Contains(t, out+errs, `valid="false"`)
		assert.Contains(t, out+errs, "state_file")
	})
	t.Run("crm_resource --show-metadata", func(t *testing.T) {
		crm, err := exec.LookPath("crm_resource")
		if err != nil {
			t.Skip("crm_resource not installed")
		}
		out, errs, err := run(crm, "--show-metadata", "stonith:fence_flocktest")
		require.NoError(t, err, errs)
		m := parseMeta(t, out)
		assert.Equal(t, "fence_flocktest", m.Name)
		var names []string
		for _, a := range m.Actions {
			names = append(names, a.Name)
		}
		assert.Contains(t, names, "reboot")
		assert.Contains(t, names, "list")
	})
	t.Run("pcs stonith describe", func(t *testing.T) {
		pcs, err := exec.LookPath("pcs")
		if err != nil {
			t.Skip("pcs not installed")
		}
		out, errs, err := run(pcs, "stonith", "describe", "fence_flocktest")
		if err != nil && strings.Contains(errs, "cluster") && strings.Contains(errs, "not running") {
			t.Skipf("pcs needs a running cluster here: %s", errs)
		}
		require.NoError(t, err, errs)
		assert.Empty(t, errs, "pcs warns about the agent")
		assert.Contains(t, out, "fence_flocktest - Fence agent for testing the flock-agents runtime")
		assert.Contains(t, out, "state_file:")
		assert.Contains(t, out, "plug:")
	})
}
