// Package safego is the one way flock agents start goroutines. Go's runtime exits with code 2 on
// a panic nobody recovered, and 2 is what a fence agent's status means by "off": a panic in any
// goroutine must become an error of the work it was doing instead. A test (go_test.go) fails
// on any other `go` statement in the agents' code.
package safego

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Go runs f in a new goroutine; a panic in f is recovered and handed to onPanic (in that
// goroutine) with the stack, instead of ending the process.
func Go(f func(), onPanic func(v any, stack []byte)) {
	go func() {
		defer func() {
			if v := recover(); v != nil {
				onPanic(v, debug.Stack())
			}
		}()
		f()
	}()
}

// Each runs f(i) for i in [0, n) concurrently and returns each one's error; a panic in f(i)
// becomes error i.
func Each(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		// Done only after errs[i] is set: a deferred Done would run while the panic unwinds,
		// before the recovery records it, and Wait would return a nil error for a panic.
		Go(func() {
			errs[i] = f(i)
			wg.Done()
		}, func(v any, _ []byte) {
			errs[i] = fmt.Errorf("internal error (panic): %v", v)
			wg.Done()
		})
	}
	wg.Wait()
	return errs
}
