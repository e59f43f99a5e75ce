// Package apptest holds helpers shared by the tests of the app packages.
package apptest

import (
	"testing"
	"time"
)

// WaitFor checks cond every 50 ms until it holds, and fails the test if it
// does not within 15 s; what names the awaited condition in the failure.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
