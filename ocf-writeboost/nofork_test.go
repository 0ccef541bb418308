package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMonitorSpawnsNothing: a monitor of a running device, at depth 0 and 10, reads it through
// the device-mapper ioctls and spawns no process, counted from the kernel's process events.
// A probe of a stopped device spawns none either. It needs root, dm-writeboost and two scratch
// disks, which it formats: lab/kernel/tests/writeboost-nofork.host.sh runs it in the lab guest.
//
//	FLOCK_WB_NOFORK_BACKING, FLOCK_WB_NOFORK_CACHE  scratch block devices
//	FLOCK_WB_NOFORK_AGENT                           ours; default the installed one
//	CIB_file                                        the CIB a start records its epoch in
func TestMonitorSpawnsNothing(t *testing.T) {
	backing, cache := os.Getenv("FLOCK_WB_NOFORK_BACKING"), os.Getenv("FLOCK_WB_NOFORK_CACHE")
	if backing == "" || cache == "" {
		t.Skip("needs a kernel with dm-writeboost and scratch disks: lab/kernel/tests/writeboost-nofork.host.sh")
	}
	agent := os.Getenv("FLOCK_WB_NOFORK_AGENT")
	if agent == "" {
		agent = "/usr/lib/ocf/resource.d/flock/writeboost"
	}
	events, err := ocftest.Listen()
	require.NoError(t, err)
	defer events.Close()
	env := append([]string{"OCF_RESKEY_name=wbnofork", "OCF_RESKEY_backing_dev=" + backing,
		"OCF_RESKEY_cache_dev=" + cache, "OCF_RESKEY_allow_format=1"}, pacemakerEnv...)
	// The cluster start records its epoch in (a CIB file, as in the other guest tests).
	if cib := os.Getenv("CIB_file"); cib != "" {
		env = append(env, "CIB_file="+cib)
	}
	// run returns the exit code of one action and the processes it spawned.
	run := func(argv []string, env ...string) (int, int) {
		m := ocftest.Measure(t, events, argv[0], env, argv[1:]...)
		return m.Code, m.Procs
	}
	code, procs := run([]string{agent, "monitor"}, env...)
	assert.Equal(t, 7, code, "probe of a stopped device")
	assert.Zero(t, procs, "a probe of a stopped device spawned processes")

	code, _ = run([]string{agent, "start"}, env...)
	require.Equal(t, 0, code, "start")
	defer func() {
		code, _ := run([]string{agent, "stop"}, env...)
		assert.Equal(t, 0, code, "stop")
	}()
	for _, depth := range []string{"0", "10"} {
		code, procs := run([]string{agent, "monitor"}, append(env, "OCF_RESKEY_CRM_meta_interval=30000", "OCF_CHECK_LEVEL="+depth)...)
		assert.Equal(t, 0, code, "monitor at depth %s", depth)
		assert.Zero(t, procs, "monitor at depth %s spawned processes", depth)
	}
	// The counter sees what the monitor used to spawn, here: a shell running dmsetup once.
	_, procs = run([]string{"/bin/sh", "-c", "dmsetup table wbnofork > /dev/null; exit 0"}, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	assert.Equal(t, 1, procs, "the process counter missed a dmsetup run")
}
