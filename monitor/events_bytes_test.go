package monitor

import (
	"testing"

	"github.com/gradewatch/gradewatch/monitor/scan"
)

// A subscription keeps at most MaxQueuedScanBytes of full scans: a
// subscriber that falls behind gets the oldest events with their
// thumbnail only, the newest with their full scan, and nothing is dropped
// below the queue limit.
func TestSubscriptionBoundsFullScans(t *testing.T) {
	const side = 512
	perScan := int64(side * side * 4)
	keep := int(MaxQueuedScanBytes / perScan) // full scans that fit
	tests := []struct {
		name      string
		published int
		wantFull  int
	}{
		{"under the budget", keep - 1, keep - 1},
		{"at the budget", keep, keep},
		{"twice the budget", 2 * keep, keep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Subscription{notify: make(chan struct{}, 1), limit: 4 * keep, status: map[string]Status{}}
			thumb := scan.Matrix{Width: 64, Height: 64, Pix: make([]float32, 64*64)}
			for range tc.published {
				full := scan.Matrix{Width: side, Height: side, Pix: make([]float32, side*side)}
				s.offer(ScanGraded{Thumbnail: thumb, Scan: full})
			}
			if s.scanBytes > MaxQueuedScanBytes {
				t.Errorf("queued full scans hold %d bytes; want at most %d", s.scanBytes, MaxQueuedScanBytes)
			}
			var full, thumbs []int
			for i := 0; ; i++ {
				ev, ok := s.next()
				if !ok {
					break
				}
				g := ev.(ScanGraded)
				if len(g.Thumbnail.Pix) != 64*64 {
					t.Fatalf("event %d lost its thumbnail", i)
				}
				if g.Scan.Width == side && len(g.Scan.Pix) == side*side {
					full = append(full, i)
				} else {
					thumbs = append(thumbs, i)
				}
			}
			if len(full)+len(thumbs) != tc.published {
				t.Fatalf("received %d events; want %d", len(full)+len(thumbs), tc.published)
			}
			if len(full) != tc.wantFull {
				t.Errorf("%d events kept their full scan; want %d", len(full), tc.wantFull)
			}
			if len(thumbs) > 0 && len(full) > 0 && thumbs[len(thumbs)-1] > full[0] {
				t.Errorf("a newer event lost its scan before an older one: stripped %v, full from %d", thumbs, full[0])
			}
			if s.scanBytes != 0 {
				t.Errorf("after draining, %d bytes are still counted; want 0", s.scanBytes)
			}
		})
	}
}
