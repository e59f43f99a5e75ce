package monitor

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// graded is one scan on its way through a cycle.
type graded struct {
	scan   storage.Scan
	matrix scan.Matrix
	report scan.Report
	reject string // reason; "" while the scan is fine
	result storage.Result
	// unstorable: neither the result nor a reject of this scan could be
	// stored (see isolate); the scan stays pending.
	unstorable bool
}

// cycle runs one poll of the source: fetch, decode, grade, save, commit.
// It returns whether the fetch came back full (more is waiting). A commit
// that fails is retried here, with backoff, until it succeeds or ctx is
// done, so a graded batch is never thrown away; failures counts the
// consecutive failures for the backoff.
func (s *source) cycle(ctx context.Context, failures *int) (full bool, err error) {
	src, limit := s.cfg.Source, s.cfg.BatchSize
	s.cycles++
	batch, err := s.m.cfg.Store.FetchScans(ctx, src, limit)
	if err != nil {
		return false, fmt.Errorf("fetch scans of source %s: %w", src.Name, err)
	}
	scans := batch.Scans
	full = len(scans) >= limit
	// In claim mode expired claims are taken again by FetchScans itself;
	// a sweep would grade rows another console has claimed.
	sweep := s.m.cfg.SweepEvery > 0 && s.cycles%s.m.cfg.SweepEvery == 1%s.m.cfg.SweepEvery &&
		src.Mode != storage.ModeClaim
	if sweep {
		extra, err := s.m.cfg.Store.FetchUnresolved(ctx, src, limit)
		if err != nil {
			return false, fmt.Errorf("reconciliation sweep of source %s: %w", src.Name, err)
		}
		scans = merge(scans, sweepable(src, extra, batch.Checkpoint))
	}
	if len(scans) > 0 {
		if err := s.grade(ctx, scans, batch.Checkpoint, failures); err != nil {
			return false, err
		}
		s.pendingKnown = false
	}
	if err := s.refreshPending(ctx, full, sweep); err != nil {
		return false, err
	}
	s.update(func(st *Status) { st.Idle = !full && s.pendingKnown && st.Pending == 0 })
	return full, nil
}

// sweepable drops, in key mode, swept rows above the checkpoint: they
// arrived after the fetch and the next fetch reads them, so grading them
// now would grade them twice (harmless for the database, which keeps the
// first result, but counted and announced twice).
func sweepable(src storage.Source, extra []storage.Scan, cp storage.Checkpoint) []storage.Scan {
	if src.Mode != storage.ModeKey {
		return extra
	}
	out := extra[:0:0]
	for _, sc := range extra {
		if k, err := strconv.ParseInt(sc.Key, 10, 64); err != nil || k <= cp.Key {
			out = append(out, sc)
		}
	}
	return out
}

// merge appends the scans of extra whose keys are not in scans.
func merge(scans, extra []storage.Scan) []storage.Scan {
	if len(extra) == 0 {
		return scans
	}
	seen := make(map[string]bool, len(scans))
	for _, sc := range scans {
		seen[sc.Key] = true
	}
	for _, sc := range extra {
		if !seen[sc.Key] {
			seen[sc.Key] = true
			scans = append(scans, sc)
		}
	}
	return scans
}

// refreshPending counts the pending rows unless that would be wasted: a
// poll that found nothing while nothing was pending costs no count, and a
// backlog is counted at most every pendingEvery. Rows pending that this
// console did not fetch (claimed by another console, refused by the
// database) are recounted every pendingEvery until they are gone.
func (s *source) refreshPending(ctx context.Context, full, sweep bool) error {
	now := time.Now()
	recent := now.Sub(s.lastPending) < pendingEvery
	s.mu.Lock()
	pending := s.st.Pending
	s.mu.Unlock()
	switch {
	case full && recent:
		return nil
	case s.pendingKnown && !sweep && (pending == 0 || recent):
		return nil
	}
	p, err := s.m.cfg.Store.Pending(ctx, s.cfg.Source)
	if err != nil {
		return fmt.Errorf("count pending rows of source %s: %w", s.cfg.Source.Name, err)
	}
	s.lastPending = now
	s.pendingKnown = true
	s.mu.Lock()
	s.oldestAt = p.OldestAt
	s.mu.Unlock()
	s.update(func(st *Status) { st.Pending = p.Count; st.PendingAt = now })
	return nil
}

// grade decodes, grades, saves and commits scans.
func (s *source) grade(ctx context.Context, scans []storage.Scan, cp storage.Checkpoint, failures *int) error {
	items := make([]graded, len(scans))
	parallel(len(items), runtime.GOMAXPROCS(0), func(i int) {
		it := &items[i]
		it.scan = scans[i]
		var err error
		if s.cfg.Layout.Format == scan.FormatPoints {
			it.matrix, it.report, err = scan.DecodePoints(s.cfg.Layout, points(it.scan.Points))
		} else {
			it.matrix, it.report, err = scan.Decode(s.cfg.Layout, it.scan.Payload)
		}
		if err != nil {
			it.reject = "decode: " + err.Error()
		}
	})
	var (
		imgs []inference.Image
		idx  []int // items[idx[k]] is imgs[k]
		keys []string
		mats []scan.Matrix
	)
	for i, it := range items {
		if it.reject == "" {
			imgs = append(imgs, inference.Image{Width: it.matrix.Width, Height: it.matrix.Height, Pix: it.matrix.Pix})
			idx = append(idx, i)
			keys = append(keys, it.scan.Key)
			mats = append(mats, it.matrix)
		}
	}
	// Images are saved while the model grades: the one waits on the disk,
	// the other on the CPU.
	var paths []string
	saved := make(chan struct{})
	if dir := s.m.cfg.ImageDir; dir != "" && len(keys) > 0 {
		go func() {
			defer close(saved)
			paths = s.saveImages(dir, keys, mats)
		}()
	} else {
		close(saved)
	}
	model, err := s.classify(ctx, items, imgs, idx)
	<-saved
	if err != nil {
		s.releaseClaims(items)
		return err
	}
	for k, i := range idx {
		if k < len(paths) && items[i].reject == "" {
			items[i].result.ImagePath = paths[k]
		}
	}
	if err := s.commit(ctx, items, cp, failures); err != nil {
		s.releaseClaims(items)
		return err
	}
	s.committed(items, model)
	return nil
}

// claimReleaser is implemented by stores that can hand claimed rows back
// (*storage.Store).
type claimReleaser interface {
	ReleaseClaims(ctx context.Context, src storage.Source, keys []string) error
}

// releaseClaims hands the rows of a batch that was not committed back to
// the queue (claim mode), so that this or another console takes them at
// once rather than after the lease. Best effort: the lease expires anyway.
func (s *source) releaseClaims(items []graded) {
	r, ok := s.m.cfg.Store.(claimReleaser)
	if !ok || s.cfg.Source.Mode != storage.ModeClaim || len(items) == 0 {
		return
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.scan.Key
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.ReleaseClaims(ctx, s.cfg.Source, keys)
}

// split returns the results and rejects of the storable items.
func split(source string, items []graded) (results []storage.Result, rejects []storage.Reject) {
	for _, it := range items {
		switch {
		case it.unstorable:
		case it.reject != "":
			rejects = append(rejects, storage.Reject{Source: source, SourceKey: it.scan.Key, Reason: it.reject})
		default:
			results = append(results, it.result)
		}
	}
	return results, rejects
}

// classify grades imgs (the decoded items[idx[k]]) with the current model
// and fills in the items' results, or their reject reasons when the model
// fails on some of them. It returns the model's name.
func (s *source) classify(ctx context.Context, items []graded, imgs []inference.Image, idx []int) (string, error) {
	if len(imgs) == 0 {
		return "", nil
	}
	src := s.cfg.Source
	g := s.m.currentGrader() // once per batch: a model swapped meanwhile grades the next batch
	if g == nil {
		return "", fmt.Errorf("grade scans of source %s: %w", src.Name, errNoGrader)
	}
	info := g.Info()
	preds, reasons, err := classify(ctx, g, imgs)
	if err != nil {
		return "", fmt.Errorf("grade %d scans of source %s with model %s: %w", len(imgs), src.Name, info.Name, err)
	}
	for k, i := range idx {
		if reasons[k] == "" {
			reasons[k] = checkPrediction(preds[k])
		}
		if reasons[k] != "" {
			items[i].reject = "grade: " + reasons[k]
			continue
		}
		items[i].result = newResult(src.Name, items[i].scan, preds[k], info)
	}
	return info.Name, nil
}

// commitTimeout bounds one commit attempt. An attempt under way when ctx
// ends is allowed to finish within it, so a graceful stop does not throw a
// graded batch away.
const commitTimeout = 10 * time.Second

// isolateAfter is how many times in a row a batch may fail to commit with
// an error that is not transient before its rows are tried one by one.
const isolateAfter = 3

// commit stores the batch, retrying with backoff while it fails. A batch
// that keeps failing with an error that is not transient (a row the
// database refuses) is isolated: its rows are stored one by one, so one
// bad row cannot stop the line; if none goes in, the batch is given up
// and an error returned, to be fetched again after the backoff. It also
// returns an error when ctx is done before the batch is stored.
func (s *source) commit(ctx context.Context, items []graded, cp storage.Checkpoint, failures *int) error {
	src := s.cfg.Source
	permanent, isolated := 0, false
	for {
		results, rejects := split(src.Name, items)
		err := s.commitOnce(ctx, results, rejects, cp)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if storage.IsTransient(err) {
			permanent = 0
		} else if permanent++; permanent >= isolateAfter {
			if !isolated {
				isolated = true
				if err = s.isolate(ctx, items, err); err == nil {
					continue // the rest, and the checkpoint, in one more commit
				}
			}
			if !storage.IsTransient(err) {
				// Nothing of the batch goes in: give it up (nothing is
				// committed, so nothing is lost) and fetch afresh after
				// the backoff, so new rows are not held up behind it.
				return fmt.Errorf("commit %d results and %d rejects of source %s (dropped, will be fetched again): %w", len(results), len(rejects), src.Name, err)
			}
		}
		s.failAndWait(ctx, fmt.Errorf("commit %d results and %d rejects of source %s (kept, retrying): %w", len(results), len(rejects), src.Name, err), failures)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// commitOnce makes one commit attempt.
func (s *source) commitOnce(ctx context.Context, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	return s.m.cfg.Store.CommitBatch(cctx, s.cfg.Source, results, rejects, cp)
}

// isolate commits each storable item on its own (with no checkpoint). A
// result the database refuses twice on its own while other rows go in
// becomes a reject naming the error; if the reject is refused too, the
// item is marked unstorable: it stays pending (counted in
// Status.Unstored, retried by the reconciliation sweep) and the line goes
// on. When no row at all goes in, the fault is not in the rows: items are
// left as they were and batchErr is returned. So is the first transient
// error, after which the batch is retried as a whole.
func (s *source) isolate(ctx context.Context, items []graded, batchErr error) error {
	src := s.cfg.Source
	before := slices.Clone(items)
	undo := func(err error) error {
		copy(items, before)
		return err
	}
	var failed []int
	lastErr := map[int]error{}
	try := func(i int) (bool, error) {
		results, rejects := split(src.Name, items[i:i+1])
		err := s.commitOnce(ctx, results, rejects, storage.Checkpoint{})
		if err != nil && (ctx.Err() != nil || storage.IsTransient(err)) {
			return false, err
		}
		lastErr[i] = err
		return err == nil, nil
	}
	stored := 0
	for i := range items {
		if items[i].unstorable {
			continue
		}
		ok, err := try(i)
		if err != nil {
			return undo(err)
		}
		if ok {
			stored++
		} else {
			failed = append(failed, i)
		}
	}
	if stored == 0 {
		return undo(batchErr)
	}
	var lost []string
	for _, i := range failed {
		ok, err := try(i) // a second chance: the first failure may have been the outage ending
		if err != nil {
			return undo(err)
		}
		if ok {
			continue
		}
		it := &items[i]
		if it.reject == "" {
			it.reject = "store result: " + lastErr[i].Error()
			if ok, err = try(i); err != nil {
				return undo(err)
			} else if ok {
				continue
			}
		}
		it.unstorable = true
		lost = append(lost, fmt.Sprintf("%q: %v", it.scan.Key, lastErr[i]))
	}
	if len(lost) > 0 {
		msg := fmt.Sprintf("rows the database refuses even as rejects, left pending: %s", strings.Join(lost, "; "))
		s.update(func(st *Status) {
			st.Unstored += int64(len(lost))
			st.StoreError = msg
		})
	}
	return nil
}

// committed updates the status and tells the subscribers.
func (s *source) committed(items []graded, model string) {
	nGraded, nRejected := 0, 0
	for _, it := range items {
		switch {
		case it.unstorable:
		case it.reject != "":
			nRejected++
		default:
			nGraded++
		}
	}
	now := time.Now()
	s.mu.Lock()
	s.rate.add(now, nGraded+nRejected)
	s.mu.Unlock()
	s.update(func(st *Status) {
		st.Graded += int64(nGraded)
		st.Rejected += int64(nRejected)
		// Between two counts (every pendingEvery in a backlog) the
		// committed rows come off the last count.
		st.Pending = max(0, st.Pending-int64(nGraded+nRejected))
		if model != "" {
			st.Model = model
		}
	})
	if !s.m.hub.active() {
		return
	}
	evs := make([]Event, 0, len(items))
	for _, it := range items {
		if it.unstorable {
			continue
		}
		if it.reject != "" {
			evs = append(evs, ScanRejected{Reject: storage.Reject{Source: s.cfg.Source.Name, SourceKey: it.scan.Key, Reason: it.reject}})
			continue
		}
		evs = append(evs, ScanGraded{Result: it.result, Thumbnail: it.matrix.Thumbnail(s.m.cfg.ThumbnailSide), Scan: it.matrix, Report: it.report})
	}
	s.m.hub.publish(evs...)
}

// classify grades imgs in one call. When that call fails, each image is
// graded alone, and those that still fail get a reason. If none succeeds,
// a flat probe image of the same size tells whether the model or the
// scans are at fault: if the model grades the probe, the scans are
// rejected; if not, the error is returned and the batch is retried later.
func classify(ctx context.Context, g Grader, imgs []inference.Image) ([]inference.Prediction, []string, error) {
	reasons := make([]string, len(imgs))
	preds, err := safeClassify(ctx, g, imgs)
	if err == nil && len(preds) == len(imgs) {
		return preds, reasons, nil
	}
	if err == nil {
		err = fmt.Errorf("model returned %d predictions for %d images", len(preds), len(imgs))
	}
	if ctx.Err() != nil {
		return nil, nil, err
	}
	preds = make([]inference.Prediction, len(imgs))
	ok := 0
	if len(imgs) == 1 {
		reasons[0] = err.Error()
	} else {
		for i := range imgs {
			p, err1 := safeClassify(ctx, g, imgs[i:i+1])
			switch {
			case ctx.Err() != nil:
				return nil, nil, ctx.Err()
			case err1 != nil:
				reasons[i] = err1.Error()
			case len(p) != 1:
				reasons[i] = fmt.Sprintf("model returned %d predictions for 1 image", len(p))
			default:
				preds[i] = p[0]
				ok++
			}
		}
	}
	if ok == 0 {
		w, h := imgs[0].Width, imgs[0].Height
		probe := inference.Image{Width: w, Height: h, Pix: make([]float32, max(0, w*h))}
		if p, perr := safeClassify(ctx, g, []inference.Image{probe}); perr != nil || len(p) != 1 {
			return nil, nil, err // the model fails on anything: retry later
		}
	}
	return preds, reasons, nil
}

// safeClassify calls g.Classify and turns a panic in the model into an
// error, so that one bad model or scan cannot stop every source.
func safeClassify(ctx context.Context, g Grader, imgs []inference.Image) (preds []inference.Prediction, err error) {
	defer func() {
		if r := recover(); r != nil {
			preds, err = nil, fmt.Errorf("model panicked: %v", r)
		}
	}()
	return g.Classify(ctx, imgs)
}

// checkPrediction returns why p cannot be stored, or "". A NaN or
// infinite probability (a model overflow) could not be written to the
// database and would block the line.
func checkPrediction(p inference.Prediction) string {
	// A little above 1 is float rounding in a model's own softmax.
	ok := func(v float32) bool { return v >= 0 && v <= 1.001 } // false for NaN
	if !ok(p.Confidence) {
		return fmt.Sprintf("model returned confidence %v; want a probability in [0,1]", p.Confidence)
	}
	for i, v := range p.Probs {
		if !ok(v) {
			return fmt.Sprintf("model returned probability %v for class %d; want a probability in [0,1]", v, i)
		}
	}
	return ""
}

// newResult builds the result of one graded scan.
func newResult(source string, sc storage.Scan, p inference.Prediction, info inference.Info) storage.Result {
	probs := make([]float64, len(p.Probs))
	for i, v := range p.Probs {
		probs[i] = float64(v)
	}
	labels := info.Labels
	if len(labels) != len(probs) {
		labels = make([]string, len(probs))
		for i := range labels {
			labels[i] = strconv.Itoa(i)
		}
	}
	grade := p.Label
	if grade == "" && p.Index >= 0 && p.Index < len(labels) {
		grade = labels[p.Index]
	}
	return storage.Result{
		Source:      source,
		SourceKey:   sc.Key,
		Metadata:    sc.Metadata,
		Predicted:   grade,
		Confidence:  float64(p.Confidence),
		Probs:       probs,
		Labels:      labels,
		ModelName:   info.Name,
		ModelSHA256: info.SHA256,
	}
}

// points converts storage points to scan points.
func points(ps []storage.Point) []scan.Point {
	out := make([]scan.Point, len(ps))
	for i, p := range ps {
		out[i] = scan.Point{X: p.X, Y: p.Y, Index: p.Index, Value: p.Value}
	}
	return out
}

// parallel calls f(0..n-1) on up to workers goroutines and returns when
// all calls have.
func parallel(n, workers int, f func(i int)) {
	workers = min(n, workers)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
