package main

import (
	"testing"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/nfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func values(t *testing.T, kv ...string) param.Values {
	t.Helper()
	raw := map[string]string{"exports": "/srv/a 10.0.0.0/24(rw,fsid=1)", "state_dir": "/srv/a/.state", "ip": "10.0.0.9"}
	for i := 0; i < len(kv); i += 2 {
		raw[kv[i]] = kv[i+1]
	}
	v, _, err := param.Parse(params, raw)
	require.NoError(t, err)
	return v
}

func TestConfig(t *testing.T) {
	c, err := newConfig(values(t, "nfs_versions", "4.2, 3,4.2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"3", "4.2"}, c.versions)
	assert.Equal(t, "10.0.0.9", c.scope, "the scope defaults to the first ip")
	assert.True(t, c.v3() && c.v4())
	for _, kv := range [][]string{
		{"state_dir", "/var/lib/nfs"}, {"state_dir", "/var/lib"}, {"state_dir", "/var/lib/nfs/x"}, {"state_dir", "rel"},
		{"state_dir", "/srv/../x"}, {"state_dir", "/"}, {"ip", "10.0.0.300"}, {"nfs_versions", "2"},
		{"server_scope", "a b"}, {"grace_time", "10"}, {"exports", "/srv/a h(rw)"},
	} {
		_, err := newConfig(values(t, kv...))
		assert.Error(t, err, "%v", kv)
	}
}

func TestNFSDArgv(t *testing.T) {
	c, err := newConfig(values(t, "nfs_versions", "3,4.1,4.2", "threads", "16", "grace_time", "30"))
	require.NoError(t, err)
	assert.Equal(t, []string{"unshare", "-u", "sh", "-c", `hostname "$0" && exec "$@"`, "10.0.0.9", "rpc.nfsd",
		"--grace-time", "30", "--lease-time", "20", "-V", "3", "-N", "4.0", "-V", "4.1", "-V", "4.2", "16"},
		c.nfsdArgv("sh", "unshare", "rpc.nfsd"))
	c, err = newConfig(values(t, "nfs_versions", "3"))
	require.NoError(t, err)
	assert.Equal(t, []string{"-V", "3", "-N", "4", "8"}, c.nfsdArgv("sh", "unshare", "rpc.nfsd")[11:])
	assert.Equal(t, []string{"rpcbind", "rpc.statd", "rpc.mountd"}, comms(c.running()))
	c, err = newConfig(values(t, "nfs_versions", "4.2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"-N", "3", "-N", "4.0", "-N", "4.1", "-V", "4.2", "8"}, c.nfsdArgv("sh", "unshare", "rpc.nfsd")[11:])
	assert.Equal(t, []string{"nfsdcld", "rpc.mountd"}, comms(c.running()))
}

// The systemd drop-in replaces nfs-server.service's exportfs -r and rpc.nfsd lines; systemd
// would expand a single $ itself.
func TestDropIn(t *testing.T) {
	c, err := newConfig(values(t, "server_scope", "nfs.flock"))
	require.NoError(t, err)
	assert.Equal(t, `# Written by ocf:flock:nfs at start, removed at stop: exports come from the resource.
[Service]
ExecStartPre=
ExecStart=
ExecStart=/usr/bin/unshare -u /bin/sh -c 'hostname "$$0" && exec "$$@"' nfs.flock /usr/sbin/rpc.nfsd --grace-time 20 --lease-time 20 -V 3 -N 4.0 -V 4.1 -V 4.2 8
ExecStopPost=
ExecReload=
`, c.dropIn())
	units := []string{}
	for _, d := range holders {
		units = append(units, d.unit)
	}
	assert.Equal(t, []string{"nfs-mountd.service", "nfs-idmapd.service", "rpc-statd-notify.service", "rpc-statd.service",
		"nfsdcld.service", "fsidd.service"}, units)
}

func TestProcsCache(t *testing.T) {
	assert.Equal(t, "/run/resource-agents/nfs-nfs_1.procs", procsCache("", "nfs/1"))
	ps := parseProcs([]byte("rpc.mountd 10 500\ngarbage\nnfsdcld 11 x\n"))
	require.Len(t, ps, 1)
	assert.Equal(t, "rpc.mountd 10 500\n", formatProcs(ps))
}

// TestKernelTimes: grace_time goes up to nfsd's 3600 s, but lockd's nlm_grace_period refuses
// more than 240 (EINVAL): start wrote grace_time there as it was, and so failed on every node
// for any grace_time over 240 that validate-all accepted.
func TestKernelTimes(t *testing.T) {
	for grace, nlm := range map[string]int{"30": 30, "240": 240, "300": 240, "3600": 240} {
		c, err := newConfig(values(t, "grace_time", grace))
		require.NoError(t, err)
		assert.Equal(t, []kernelTime{{nfs.GraceTime, c.grace}, {nfs.LeaseTime, c.lease}, {nfs.NLMGracePeriod, nlm}}, c.kernelTimes(), grace)
	}
}
