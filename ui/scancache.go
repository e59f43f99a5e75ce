package ui

// Bounds of the scan cache: the full matrices of at most maxCachedScans
// scans and maxCachedScanBytes of values. At 28 x 28 the count binds
// (256 scans, 0.8 MB); at 512 x 512 the bytes do (64 scans, 64 MiB).
// A scan that is not cached is loaded again through the ScanLoader (its
// saved PNG or its source row) when the detail view or review opens it.
const (
	maxCachedScans     = 256
	maxCachedScanBytes = 64 << 20
)

// scanCache keeps the full matrices of the most recently added or loaded
// scans, so that the detail view opens without a trip to the disk. It is
// a small FIFO-evicting map, bounded in count and bytes, used on the Fyne
// goroutine only.
type scanCache struct {
	cap      int   // most scans held
	maxBytes int64 // most bytes of values held
	bytes    int64
	order    []resultKey
	m        map[resultKey]Scan
}

func newScanCache(n int, maxBytes int64) *scanCache {
	return &scanCache{cap: n, maxBytes: maxBytes, m: make(map[resultKey]Scan, n)}
}

func scanSize(s Scan) int64 { return int64(len(s.Pix)) * 4 }

// put caches s under id, evicting the oldest scans beyond the bounds. A
// scan larger than the whole byte budget is not cached.
func (c *scanCache) put(id resultKey, s Scan) {
	if scanSize(s) > c.maxBytes {
		return
	}
	if old, ok := c.m[id]; ok {
		c.bytes -= scanSize(old)
	} else {
		c.order = append(c.order, id)
	}
	c.m[id] = s
	c.bytes += scanSize(s)
	for len(c.order) > c.cap || c.bytes > c.maxBytes {
		c.bytes -= scanSize(c.m[c.order[0]])
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	if cap(c.order) > 4*c.cap {
		c.order = append([]resultKey(nil), c.order...)
	}
}

func (c *scanCache) get(id resultKey) (Scan, bool) {
	s, ok := c.m[id]
	return s, ok
}
