package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

func TestNewValidates(t *testing.T) {
	ok := blobSource("a", time.Second, 10)
	pointsLayout := ok
	pointsLayout.Layout = scan.Layout{Format: scan.FormatPoints, Width: 2, Height: 2, Order: scan.OrderXY}
	wrongOrder := SourceConfig{
		Source: storage.Source{Name: "p", Table: "p", KeyColumn: "id", Mode: storage.ModeKey,
			Points: &storage.PointsTable{Table: "pts", KeyColumn: "scan_id", IndexColumn: "i", ValueColumn: "v"}},
		Layout: scan.Layout{Format: scan.FormatPoints, Width: 2, Height: 2, Order: scan.OrderXY},
	}
	badLayout := ok
	badLayout.Layout.DType = "int4"
	badBatch := ok
	badBatch.BatchSize = MaxBatchSize + 1
	negInterval := ok
	negInterval.Interval = -time.Second
	badSource := ok
	badSource.Source.KeyColumn = ""
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no store", Config{Sources: []SourceConfig{ok}}, "store is nil"},
		{"no sources", Config{Store: newFakeStore(0)}, "no sources"},
		{"duplicate", Config{Store: newFakeStore(0), Sources: []SourceConfig{ok, ok}}, `"a" is used twice`},
		{"layout", Config{Store: newFakeStore(0), Sources: []SourceConfig{badLayout}}, `dtype "int4" is unknown`},
		{"points layout on blob source", Config{Store: newFakeStore(0), Sources: []SourceConfig{pointsLayout}}, "does not fit the source"},
		{"xy order with index column", Config{Store: newFakeStore(0), Sources: []SourceConfig{wrongOrder}}, "does not fit the points table"},
		{"batch", Config{Store: newFakeStore(0), Sources: []SourceConfig{badBatch}}, "batch size 10001"},
		{"interval", Config{Store: newFakeStore(0), Sources: []SourceConfig{negInterval}}, "interval -1s is negative"},
		{"source", Config{Store: newFakeStore(0), Sources: []SourceConfig{badSource}}, "key_column"},
		{"sweep", Config{Store: newFakeStore(0), SweepEvery: -2, Sources: []SourceConfig{ok}}, "sweep_every is -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
	m, err := New(Config{Store: newFakeStore(0), Sources: []SourceConfig{{Source: ok.Source, Layout: ok.Layout}}})
	if err != nil {
		t.Fatal(err)
	}
	if st := m.Status()[0]; st.Interval != DefaultInterval || st.BatchSize != DefaultBatchSize || st.State != StateConnecting {
		t.Errorf("defaults: status = %+v; want interval %v, batch %d, connecting", st, DefaultInterval, DefaultBatchSize)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	m, err := New(Config{Store: newFakeStore(0), BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second, Sources: []SourceConfig{blobSource("a", time.Second, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	s := m.sources[0]
	for _, tt := range []struct {
		failures int
		lo, hi   time.Duration
	}{{1, 50 * time.Millisecond, 100 * time.Millisecond}, {2, 100 * time.Millisecond, 200 * time.Millisecond}, {4, 400 * time.Millisecond, 800 * time.Millisecond}, {30, 500 * time.Millisecond, time.Second}} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := s.backoff(tt.failures)
			if d < tt.lo || d > tt.hi {
				t.Errorf("backoff(%d) = %v; want in [%v, %v]", tt.failures, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) took %d distinct values in 50 draws; want jitter", tt.failures, len(seen))
		}
	}
}
