package nfs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseExports(t *testing.T) {
	es, err := ParseExports("/srv/a 10.0.0.0/24(rw,sync,fsid=1) host1(ro,fsid=1)\n; /srv/b *(rw,fsid=0b7c9a3e-1f2d-4c5b-8a9e-0123456789ab)")
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, "1", es[0].FSID())
	assert.Equal(t, []string{"exportfs", "-i", "-o", "ro,fsid=1", "host1:/srv/a"}, ExportArgv(es[0], es[0].Clients[1]))
	assert.Equal(t, "/srv/a 10.0.0.0/24(rw,sync,fsid=1) host1(ro,fsid=1)\n/srv/b *(rw,fsid=0b7c9a3e-1f2d-4c5b-8a9e-0123456789ab)\n", String(es))
	for in, want := range map[string]string{
		"":                                 "no export",
		"srv/a h(rw,fsid=1)":               "absolute",
		"/srv/../a h(rw,fsid=1)":           "clean",
		"/ h(rw,fsid=1)":                   "not /",
		"/srv/a":                           "no client",
		"/srv/a h":                         "not CLIENT(OPTIONS)",
		"/srv/a h(rw)":                     "fsid= is required",
		"/srv/a h(rw,fsid=x1)":             "not a number",
		"/srv/a h(rw,fsid=1) g(rw,fsid=2)": "same fsid",
		"/srv/a h(rw,fsid=1) h(ro,fsid=1)": "listed twice",
		"/srv/a h(rw,fsid=1);/srv/a g(rw,fsid=2)": "listed twice",
		"/srv/a h(rw,fsid=1);/srv/b g(rw,fsid=1)": "the same fsid",
		"/srv/a h(rw,,fsid=1)":                    "option",
		"/srv/a h(rw;x,fsid=1)":                   "not CLIENT",
	} {
		_, err := ParseExports(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestEtabAndMissing(t *testing.T) {
	etab := "/srv/a\t10.0.0.0/24(rw,sync,wdelay,hide,no_subtree_check,fsid=1,sec=sys,rw,secure,root_squash,no_all_squash)\n" +
		"/srv/old\t*(ro,fsid=9)\n"
	have, err := ParseEtab([]byte(etab))
	require.NoError(t, err)
	require.Len(t, have, 2)
	want, err := ParseExports("/srv/a 10.0.0.0/24(rw,sync,fsid=1) h(rw,fsid=1)")
	require.NoError(t, err)
	lost, extra := Missing(want, have)
	assert.Equal(t, []string{"h:/srv/a not exported"}, lost)
	assert.Equal(t, []string{"*:/srv/old"}, Names(extra))
	want, _ = ParseExports("/srv/a 10.0.0.0/24(rw,async,fsid=1)")
	lost, _ = Missing(want, have)
	assert.Equal(t, []string{"10.0.0.0/24:/srv/a exported without async"}, lost)
	_, err = ParseEtab([]byte("/srv/a 10.0.0.0/24(rw)\n"))
	assert.Error(t, err, "etab separates path and client with a tab")
}

func TestMountinfo(t *testing.T) {
	mi := "21 1 254:0 / / rw - ext4 /dev/vda rw\n" +
		"30 21 253:1 / /srv/shared rw,relatime shared:5 - ext4 /dev/vdb rw\n" +
		"31 21 253:1 /nfs-state /var/lib/nfs rw - ext4 /dev/vdb rw\n" +
		"32 21 0:40 / /srv/with\\040space rw - tmpfs tmpfs rw\n"
	ms, err := ParseMountinfo([]byte(mi))
	require.NoError(t, err)
	require.Len(t, ms, 4)
	assert.Equal(t, "/srv/with space", ms[3].Point)
	m := Under(ms, "/srv/shared/nfs-state")
	assert.Equal(t, "/srv/shared", m.Point)
	assert.Equal(t, "/nfs-state", Source(m, "/srv/shared/nfs-state"))
	top, ok := At(ms, StateDir)
	require.True(t, ok)
	assert.Equal(t, "/nfs-state", top.Root)
	assert.Equal(t, "/", Under(ms, "/srv/sharedx").Point, "a prefix of the name is not a parent")
	assert.Equal(t, "/srv/x", Source(Under(ms, "/srv/x"), "/srv/x"))
	_, err = ParseMountinfo([]byte("garbage\n"))
	assert.Error(t, err)
}

func TestParseStat(t *testing.T) {
	p, err := ParseStat(42, []byte("42 (rpc.mountd) S 1 42 42 0 -1 4194624 118 0 0 0 0 0 0 0 20 0 1 0 1234 2772992 250 18446744073709551615\n"))
	require.NoError(t, err)
	assert.Equal(t, Proc{PID: 42, Comm: "rpc.mountd", State: 'S', Start: 1234}, p)
	p, err = ParseStat(7, []byte("7 (a) b (c)) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0 0\n"))
	require.NoError(t, err)
	assert.Equal(t, "a) b (c)", p.Comm)
	assert.Equal(t, byte('Z'), p.State)
	_, err = ParseStat(7, []byte("7 (x) S 1 2"))
	assert.Error(t, err)
}

func TestVersions(t *testing.T) {
	assert.Equal(t, map[string]bool{"3": true, "4": true, "4.2": true}, Enabled("-2 +3 +4 -4.0 -4.1 +4.2"))
}

// TestExportsAsExportfsWritesThem: exportfs (nfs-utils 2.6.2, seen in the lab guest) records
// some options in another spelling than given (fsid=root as fsid=0, fsid=007 as fsid=7, mp as
// mountpoint, auth_nlm as secure_locks, anonuid=0065534 as 65534). Parsed exports carry that
// spelling, so the check against etab finds them exported, and two spellings of one fsid are
// one fsid.
func TestExportsAsExportfsWritesThem(t *testing.T) {
	es, err := ParseExports("/srv/a h(rw,fsid=root,mp,auth_nlm,no_auth_nlm,anonuid=0065534,anongid=007,mp=/srv)")
	require.NoError(t, err)
	assert.Equal(t, []string{"rw", "fsid=0", "mountpoint", "secure_locks", "insecure_locks", "anonuid=65534", "anongid=7", "mountpoint=/srv"}, es[0].Clients[0].Options)
	etab := "/srv/a\th(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,fsid=7,mountpoint,anonuid=65534,anongid=65534,sec=sys,rw,secure,root_squash,no_all_squash)\n"
	have, err := ParseEtab([]byte(etab))
	require.NoError(t, err)
	want, err := ParseExports("/srv/a h(rw,fsid=007,mp,auth_nlm,anonuid=0065534)")
	require.NoError(t, err)
	lost, extra := Missing(want, have)
	assert.Empty(t, lost)
	assert.Empty(t, extra)
	for _, in := range []string{
		"/srv/a h(rw,fsid=1);/srv/b h(rw,fsid=01)",
		"/srv/a h(rw,fsid=root);/srv/b h(rw,fsid=0)",
		"/srv/a h(rw,fsid=0b7c9a3e-1f2d-4c5b-8a9e-0123456789ab);/srv/b h(rw,fsid=0B7C9A3E1F2D4C5B8A9E0123456789AB)",
	} {
		_, err := ParseExports(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), "the same fsid", in)
		}
	}
	_, err = ParseExports("/srv/a h(rw,fsid=1) g(rw,fsid=001)")
	assert.NoError(t, err, "one fsid, spelt two ways")
}

// TestIPv6Clients: exports(5) writes an IPv6 client bare (etab too), but exportfs's command
// line takes CLIENT:PATH and refuses a bare IPv6 address ("Invalid export syntax: fe80"):
// it needs the brackets there, and only there.
func TestIPv6Clients(t *testing.T) {
	es, err := ParseExports("/srv/a fe80::1(rw,fsid=1) [fd00::/64](ro,fsid=1) 10.0.0.1(rw,fsid=1)")
	require.NoError(t, err)
	assert.Equal(t, "fd00::/64", es[0].Clients[1].Host)
	assert.Equal(t, []string{"exportfs", "-i", "-o", "rw,fsid=1", "[fe80::1]:/srv/a"}, ExportArgv(es[0], es[0].Clients[0]))
	have, err := ParseEtab([]byte("/srv/a\tfe80::1(rw,fsid=1)\n/srv/a\tfd00::/64(ro,fsid=1)\n/srv/a\t10.0.0.1(rw,fsid=1)\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"exportfs", "-u", "[fd00::/64]:/srv/a"}, UnexportArgv(have[1]), "etab's bare IPv6 client, bracketed for exportfs")
	assert.Equal(t, []string{"exportfs", "-u", "10.0.0.1:/srv/a"}, UnexportArgv(have[2]))
	lost, extra := Missing(es, have)
	assert.Empty(t, lost)
	assert.Empty(t, extra)
}

// TestShortHostnames: exportfs records a host by its canonical name (in the lab guest, with
// "10.0.0.5 nfsclient.example.org nfsclient" in /etc/hosts, nfsclient became
// nfsclient.example.org in etab): the configured short name is that export, not a missing one
// beside an unconfigured one. Other clients still match exactly.
func TestShortHostnames(t *testing.T) {
	have, err := ParseEtab([]byte("/srv/a\tnfsclient.example.org(rw,fsid=1)\n/srv/a\t10.0.0.50(rw,fsid=1)\n/srv/a\tnfs*.example.org(rw,fsid=1)\n"))
	require.NoError(t, err)
	want, err := ParseExports("/srv/a nfsclient(rw,fsid=1) 10.0.0.5(rw,fsid=1) nfs*(rw,fsid=1)")
	require.NoError(t, err)
	lost, extra := Missing(want, have)
	assert.Equal(t, []string{"10.0.0.5:/srv/a not exported", "nfs*:/srv/a not exported"}, lost)
	assert.Equal(t, []string{"10.0.0.50:/srv/a", "nfs*.example.org:/srv/a"}, Names(extra))
}
