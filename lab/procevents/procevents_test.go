package procevents

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain also serves as the idle helper of TestProcEventsCount.
func TestMain(m *testing.M) {
	if os.Getenv("FLOCK_TEST_THREADS") != "" {
		os.Exit(threads())
	}
	os.Exit(m.Run())
}

// TestProcEventsCount checks the counter the benchmark relies on, on a shell whose forks are
// known (each command is followed by another, so none is exec'd in place), and on a Go
// program that starts nothing but has threads, which must not count.
func TestProcEventsCount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("process events need root")
	}
	events, err := Listen()
	if err != nil {
		t.Skipf("no process events connector: %v", err)
	}
	defer events.Close()
	count := func(cmd *exec.Cmd) int {
		events.Drain()
		require.NoError(t, cmd.Start())
		n, err := events.Spawned(cmd.Process.Pid)
		require.NoError(t, err)
		require.NoError(t, cmd.Wait())
		return n
	}
	assert.Equal(t, 4, count(exec.Command("/bin/sh", "-c", `/bin/true; /bin/true; /bin/sh -c "/bin/true; exit 0"; exit 0`)))
	self, err := os.Executable()
	require.NoError(t, err)
	idle := exec.Command(self)
	idle.Env = []string{"FLOCK_TEST_THREADS=1"}
	assert.Equal(t, 0, count(idle))
}

// threads is the idle helper's body: goroutines asleep, so the runtime has threads, and no
// process.
func threads() int {
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() { time.Sleep(50 * time.Millisecond); done <- struct{}{} }()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	return 0
}
