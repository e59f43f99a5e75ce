//go:build race

package inference

// raceEnabled is set under the race detector, which makes sync.Pool drop
// items and so adds allocations that do not happen in normal builds.
const raceEnabled = true
