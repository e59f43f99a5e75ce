package ui

// scanCache keeps the full matrices of the most recently added or loaded
// scans, so that the detail view opens without a trip to the disk. It is
// a small FIFO-evicting map used on the Fyne goroutine only.
type scanCache struct {
	cap   int
	order []resultKey
	m     map[resultKey]Scan
}

func newScanCache(n int) *scanCache {
	return &scanCache{cap: n, m: make(map[resultKey]Scan, n)}
}

func (c *scanCache) put(id resultKey, s Scan) {
	if _, ok := c.m[id]; !ok {
		c.order = append(c.order, id)
	}
	c.m[id] = s
	for len(c.order) > c.cap {
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
