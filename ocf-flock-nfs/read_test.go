package main

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedExec records the programs run and fails those whose argv starts with a prefix in
// fail (exit 32, as mount and umount do).
type scriptedExec struct {
	ran, done []string // all programs run, those that succeeded
	fail      []string
}

func (x *scriptedExec) Run(_ context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	line := strings.Join(c.Argv, " ")
	x.ran = append(x.ran, line)
	for _, f := range x.fail {
		if strings.HasPrefix(line, f) {
			return sysio.CmdResult{ExitCode: 32, Stderr: []byte("failed")}, nil
		}
	}
	x.done = append(x.done, line)
	return sysio.CmdResult{}, nil
}

// procNet is a node's /proc/net/fib_trie and if_inet6, and nothing else.
type procNet struct{ sysio.Files }

func (procNet) ReadFile(path string) ([]byte, error) {
	switch path {
	case "/proc/net/fib_trie":
		return []byte(fibTrie), nil
	case "/proc/net/if_inet6":
		return []byte("00000000000000000000000000000001 01 80 10 80       lo\nfd000000000000000000000000000002 04 40 00 82     eth0\n"), nil
	}
	return nil, fs.ErrNotExist
}

const fibTrie = `Local:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 172.31.0.0/16 2 0 2
           |-- 172.31.0.0
              /16 link UNICAST
           |-- 172.31.255.10
              /32 host LOCAL
           |-- 172.31.255.255
              /32 link BROADCAST
`

func TestReadTarget(t *testing.T) {
	for ip, want := range map[string]string{"172.31.255.10": "172.31.255.10", "172.31.255.11,172.31.255.10": "127.0.0.1",
		"172.31.255.255": "127.0.0.1", "127.0.0.0": "127.0.0.1", "fd00::2": "fd00::2", "fd00::3": "127.0.0.1", "::ffff:172.31.255.10": "172.31.255.10"} {
		s := probeServer(t, &scriptedExec{}, "4.2", ip)
		assert.Equal(t, want, s.readTarget(), ip)
	}
	assert.Equal(t, "[fd00::2]:/srv/a", mountArgv("fd00::2", "4.2", "/srv/a", probe)[1])
}

func probeServer(t *testing.T, x *scriptedExec, versions, ip string) *server {
	t.Helper()
	c, err := newConfig(values(t, "exports", "/srv/a 127.0.0.1(rw,fsid=1);/srv/b 127.0.0.1(rw,fsid=2)", "nfs_versions", versions, "ip", ip))
	require.NoError(t, err)
	p := &sysio.Proc{Env: []string{"HA_RSCTMP=/run/rt"}, World: sysio.World{Exec: x, Files: procNet{}, Clock: sysio.Real().Clock}}
	return &server{c: c, r: &ocf.Request{Ctx: context.Background(), P: p, Instance: "nfs1", Log: flight.New(time.Now, false)}}
}

const probe = "/run/rt/nfs-nfs1.probe"

func TestMountArgv(t *testing.T) {
	assert.Equal(t, []string{"mount.nfs", "172.31.255.10:/srv/a", probe, "-o", "ro,soft,timeo=50,retrans=1,retry=0,nolock,vers=4.2"},
		mountArgv("172.31.255.10", "4.2", "/srv/a", probe))
	for versions, want := range map[string]string{"3,4.1,4.2": "4.2", "3": "3", "4.1,3": "4.1", "4.0": "4.0"} {
		assert.Equal(t, want, probeVersion(probeServer(t, &scriptedExec{}, versions, "172.31.255.10").c), versions)
	}
}

// TestReadExports: each export is mounted, read and unmounted in turn, nothing else.
func TestReadExports(t *testing.T) {
	x := &scriptedExec{}
	require.NoError(t, probeServer(t, x, "3,4.2", "172.31.255.10").readExports(nil))
	mount := func(path string) string {
		return "mount.nfs 172.31.255.10:" + path + " " + probe + " -o ro,soft,timeo=50,retrans=1,retry=0,nolock,vers=4.2"
	}
	find := "find " + probe + " -mindepth 1 -maxdepth 1 -print -quit"
	assert.Equal(t, []string{"mkdir -p " + probe,
		mount("/srv/a"), find, "umount " + probe,
		mount("/srv/b"), find, "umount " + probe}, x.ran)
}

// TestReadExportsCleanup: whatever step fails, the exit reason names the export and no probe
// mount is left: a failed read is unmounted, a busy one detached, a leftover removed first.
func TestReadExportsCleanup(t *testing.T) {
	for _, tc := range []struct {
		name, fail, reason string
		left               []nfs.Mount
		last               []string // the programs run last, in order
	}{
		{name: "read fails", fail: "find", reason: "export /srv/a: mounted over NFS v4.2, but its directory does not read: failed", last: []string{"umount " + probe}},
		{name: "mount refused", fail: "mount.nfs", reason: "export /srv/a: no NFS v4.2 mount from 172.31.255.10: failed", last: []string{}},
		{name: "busy", fail: "umount " + probe, reason: "", last: []string{"umount " + probe, "umount -l " + probe}},
		{name: "leftover", left: []nfs.Mount{{Point: probe, Source: "127.0.0.1:/srv/a"}}, last: []string{"umount " + probe}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := &scriptedExec{}
			if tc.fail != "" {
				x.fail = []string{tc.fail}
			}
			err := probeServer(t, x, "3,4.2", "172.31.255.10").readExports(tc.left)
			if tc.reason != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.reason)
			} else {
				assert.NoError(t, err)
			}
			mounted := len(tc.left)
			for _, line := range x.done {
				if strings.HasPrefix(line, "mount.nfs ") {
					mounted++
				}
				if strings.HasPrefix(line, "umount ") {
					mounted--
				}
			}
			assert.Zero(t, mounted, "mounts left: %q", x.ran)
			if tc.left != nil {
				assert.Equal(t, "umount -l "+probe, x.ran[0], "the leftover goes first")
			}
			assert.Equal(t, tc.last, x.ran[len(x.ran)-len(tc.last):], "%q", x.ran)
		})
	}
}
