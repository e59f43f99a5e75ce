package scan

import "sync"

// rawPool recycles the float64 buffers decoders fill before normalisation,
// so that decoding a scan allocates only its result.
var rawPool sync.Pool

// getRaw returns a buffer of n values (contents undefined).
func getRaw(n int) []float64 {
	if p, ok := rawPool.Get().(*[]float64); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float64, n)
}

// putRaw hands a buffer back once normalisation is done with it. Buffers
// above 4 Mi values are left to the garbage collector.
func putRaw(b []float64) {
	if cap(b) == 0 || cap(b) > 1<<22 {
		return
	}
	rawPool.Put(&b)
}
