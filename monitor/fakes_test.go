package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/storage"
)

// fakeTable is one source table of fakeStore: integer keys, key mode.
type fakeTable struct {
	rows       map[int64]storage.Scan
	checkpoint int64
	results    map[string]storage.Result
	rejects    map[string]storage.Reject
	commits    int // successful CommitBatch calls
	polls      []time.Time
}

// fakeStore is an in-memory Store in key mode. settle is how many keys
// below the checkpoint FetchScans re-reads for rows without a result, as
// storage does; 0 leaves late rows to the reconciliation sweep.
type fakeStore struct {
	settle int64
	mu     sync.Mutex
	tables map[string]*fakeTable
}

func newFakeStore(settle int64) *fakeStore {
	return &fakeStore{settle: settle, tables: map[string]*fakeTable{}}
}

func (f *fakeStore) table(name string) *fakeTable {
	t := f.tables[name]
	if t == nil {
		t = &fakeTable{rows: map[int64]storage.Scan{}, results: map[string]storage.Result{}, rejects: map[string]storage.Reject{}}
		f.tables[name] = t
	}
	return t
}

// add inserts a row (a committed source row becomes visible at once).
func (f *fakeStore) add(source string, key int64, payload []byte, points []storage.Point) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := strconv.FormatInt(key, 10)
	f.table(source).rows[key] = storage.Scan{Source: source, Key: k, Payload: payload, Points: points,
		Metadata: map[string]string{"true_label": k}}
}

func (f *fakeStore) resolved(t *fakeTable, key string) bool {
	_, r := t.results[key]
	_, j := t.rejects[key]
	return r || j
}

func (f *fakeStore) FetchScans(ctx context.Context, src storage.Source, limit int) (storage.Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.table(src.Name)
	t.polls = append(t.polls, time.Now())
	var keys []int64
	for k, sc := range t.rows {
		if k > t.checkpoint || (k > t.checkpoint-f.settle && !f.resolved(t, sc.Key)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	b := storage.Batch{Checkpoint: storage.Checkpoint{Key: t.checkpoint}}
	for _, k := range keys {
		b.Scans = append(b.Scans, t.rows[k])
		b.Checkpoint.Key = max(b.Checkpoint.Key, k)
	}
	return b, nil
}

func (f *fakeStore) FetchUnresolved(ctx context.Context, src storage.Source, limit int) ([]storage.Scan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.table(src.Name)
	var keys []int64
	for k, sc := range t.rows {
		if !f.resolved(t, sc.Key) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []storage.Scan
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, t.rows[k])
	}
	return out, nil
}

func (f *fakeStore) Pending(ctx context.Context, src storage.Source) (storage.Pending, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.table(src.Name)
	var p storage.Pending
	for _, sc := range t.rows {
		if !f.resolved(t, sc.Key) {
			p.Count++
		}
	}
	return p, nil
}

func (f *fakeStore) CommitBatch(ctx context.Context, src storage.Source, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.table(src.Name)
	for _, r := range results {
		if !f.resolved(t, r.SourceKey) {
			t.results[r.SourceKey] = r
		}
	}
	for _, r := range rejects {
		if !f.resolved(t, r.SourceKey) {
			t.rejects[r.SourceKey] = r
		}
	}
	t.checkpoint = max(t.checkpoint, cp.Key)
	t.commits++
	return nil
}

// counts returns rows, results and rejects of a source.
func (f *fakeStore) counts(source string) (rows, results, rejects int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.table(source)
	return len(t.rows), len(t.results), len(t.rejects)
}

func (f *fakeStore) pollTimes(source string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.table(source).polls)
}

// errOutage is what flakyStore returns while "down".
var errOutage = errors.New("database unreachable (test outage)")

// flakyStore fails the first failFetch FetchScans and the first
// failCommit CommitBatch calls, then passes through.
type flakyStore struct {
	*fakeStore
	failFetch, failCommit atomic.Int64
	fetchErrs, commitErrs atomic.Int64
}

func (f *flakyStore) FetchScans(ctx context.Context, src storage.Source, limit int) (storage.Batch, error) {
	if f.failFetch.Add(-1) >= 0 {
		f.fetchErrs.Add(1)
		return storage.Batch{}, errOutage
	}
	return f.fakeStore.FetchScans(ctx, src, limit)
}

func (f *flakyStore) CommitBatch(ctx context.Context, src storage.Source, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error {
	if f.failCommit.Add(-1) >= 0 {
		f.commitErrs.Add(1)
		return errOutage
	}
	return f.fakeStore.CommitBatch(ctx, src, results, rejects, cp)
}

// fakeGrader grades an image by its mean brightness: label "0".."9" for
// mean 0..1. It fails images whose first pixel is exactly failPix (when
// failPix >= 0), panics on those whose first pixel is panicPix (when > 0),
// and fails every call while down is set.
type fakeGrader struct {
	name     string
	failPix  float32
	panicPix float32
	down     atomic.Bool
	calls    atomic.Int64
}

func (g *fakeGrader) Info() inference.Info {
	return inference.Info{Name: g.name, SHA256: "sha-" + g.name, Labels: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}
}

func (g *fakeGrader) Classify(ctx context.Context, imgs []inference.Image) ([]inference.Prediction, error) {
	g.calls.Add(1)
	if g.down.Load() {
		return nil, errors.New("model is down (test)")
	}
	out := make([]inference.Prediction, len(imgs))
	for i, img := range imgs {
		if len(img.Pix) > 0 && img.Pix[0] == g.failPix {
			return nil, fmt.Errorf("image %d: cannot grade (test)", i)
		}
		if g.panicPix > 0 && len(img.Pix) > 0 && img.Pix[0] == g.panicPix {
			panic("index out of range (test)")
		}
		var sum float32
		for _, v := range img.Pix {
			sum += v
		}
		mean := sum / float32(max(1, len(img.Pix)))
		idx := min(9, int(mean*10))
		probs := make([]float32, 10)
		probs[idx] = 1
		out[i] = inference.Prediction{Index: idx, Label: strconv.Itoa(idx), Confidence: 1, Probs: probs}
	}
	return out, nil
}
