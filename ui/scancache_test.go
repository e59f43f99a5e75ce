package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
)

// bigScan is a side x side gradient, so a downsampled copy differs from it.
func bigScan(side int) Scan {
	s := Scan{Width: side, Height: side, Pix: make([]float32, side*side)}
	for i := range s.Pix {
		s.Pix[i] = float32(i%side) / float32(side-1)
	}
	return s
}

// The detail view and review show a 512 x 512 scan at its real resolution,
// while the feed keeps only its small thumbnail.
func TestDetailAndReviewShowFullResolution(t *testing.T) {
	const side = 512
	r := testResult(9, "line-a", 4, 0.55) // below the review threshold
	e := newTestEnv(t, fyne.NewSize(1280, 800), r)
	full := bigScan(side)
	thumb := Scan{Width: 64, Height: 64, Pix: make([]float32, 64*64)}
	e.post(ScanGraded{Result: r, Scan: full, Thumb: thumb})
	e.c.live.grid.Select(0)
	e.q.drain()

	if got := e.c.feed.entries[0].thumb; got == nil || got.Rect.Dx() > thumbSide || got.Rect.Dy() > thumbSide {
		t.Errorf("feed thumbnail = %v; want at most %d px a side", got, thumbSide)
	}
	d := e.c.live.detail
	if d.view.scan.Width != side || d.view.scan.Height != side || len(d.view.scan.Pix) != side*side {
		t.Fatalf("detail shows a %dx%d scan; want %dx%d", d.view.scan.Width, d.view.scan.Height, side, side)
	}
	if b := d.view.img.Image.Bounds(); b.Dx() != side || b.Dy() != side {
		t.Errorf("detail image is %dx%d; want %dx%d", b.Dx(), b.Dy(), side, side)
	}
	if got, want := d.view.scan.At(511, 0), full.At(511, 0); got != want {
		t.Errorf("detail value at (511,0) = %v; want %v", got, want)
	}

	e.c.ShowReview()
	e.q.drain()
	rd := e.c.review.detail
	if !rd.has || rd.res.key() != r.key() {
		t.Fatalf("review shows %v; want result %s", rd.res.key(), r.SourceKey)
	}
	if rd.view.scan.Width != side || rd.view.scan.Height != side {
		t.Errorf("review shows a %dx%d scan; want %dx%d", rd.view.scan.Width, rd.view.scan.Height, side, side)
	}
}

// The cache holds at most its count and its bytes, evicting oldest first.
func TestScanCacheBounds(t *testing.T) {
	small := Scan{Width: 28, Height: 28, Pix: make([]float32, 28*28)}
	big := Scan{Width: 512, Height: 512, Pix: make([]float32, 512*512)}
	tests := []struct {
		name      string
		scan      Scan
		put       int
		wantCount int
	}{
		{"28x28: the count binds", small, 300, maxCachedScans},
		{"512x512: the bytes bind", big, 100, maxCachedScanBytes / (512 * 512 * 4)},
		{"few", big, 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newScanCache(maxCachedScans, maxCachedScanBytes)
			for i := range tc.put {
				c.put(resultKey{source: "a", key: fmt.Sprint(i)}, tc.scan)
			}
			if len(c.m) != tc.wantCount || len(c.order) != tc.wantCount {
				t.Errorf("cache holds %d scans (%d in order); want %d", len(c.m), len(c.order), tc.wantCount)
			}
			if c.bytes > maxCachedScanBytes || c.bytes != int64(tc.wantCount)*scanSize(tc.scan) {
				t.Errorf("cache counts %d bytes; want %d", c.bytes, int64(tc.wantCount)*scanSize(tc.scan))
			}
			if _, ok := c.get(resultKey{source: "a", key: fmt.Sprint(tc.put - 1)}); !ok {
				t.Error("the newest scan is not cached")
			}
			if _, ok := c.get(resultKey{source: "a", key: "0"}); ok != (tc.put == tc.wantCount) {
				t.Errorf("oldest scan cached = %v; want %v", ok, tc.put == tc.wantCount)
			}
		})
	}
}
