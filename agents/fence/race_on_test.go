//go:build race

package fence_test

// raceEnabled: under go test -race the test agent is built with -race too, so the runtime's
// concurrent per-plug calls are checked in the real binary (a race exits 66 and fails the test).
const raceEnabled = true
