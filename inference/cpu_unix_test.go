//go:build unix

package inference

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the test process has
// used, which on a busy shared machine measures work more steadily than
// wall-clock time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
