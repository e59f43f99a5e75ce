package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
	"github.com/gradewatch/gradewatch/ui"
)

// consoleStore adapts *storage.Store to the console's ui.ResultStore.
type consoleStore struct{ st *storage.Store }

var _ ui.ResultStore = consoleStore{}

func (s consoleStore) ReviewQueue(ctx context.Context, threshold float32, limit int) ([]ui.Result, int, error) {
	rs, total, err := s.st.ReviewQueue(ctx, float64(threshold), limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ui.Result, len(rs))
	for i, r := range rs {
		out[i] = uiResult(r)
	}
	return out, int(total), nil
}

// Recent implements ui.RecentLoader.
func (s consoleStore) Recent(ctx context.Context, limit int) ([]ui.Result, error) {
	rs, err := s.st.Results(ctx, storage.ResultFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]ui.Result, len(rs))
	for i, r := range rs {
		out[i] = uiResult(r)
	}
	return out, nil
}

var _ ui.RecentLoader = consoleStore{}

func (s consoleStore) ResultByKey(ctx context.Context, source, key string) (ui.Result, error) {
	r, err := s.st.ResultByKey(ctx, source, key)
	if err != nil {
		return ui.Result{}, err
	}
	return uiResult(r), nil
}

// Override records the decision; storage keeps reason and note in one
// field, "reason: note".
func (s consoleStore) Override(ctx context.Context, req ui.OverrideRequest) (ui.Result, error) {
	reason := req.Reason
	if req.Note != "" {
		reason += ": " + req.Note
	}
	_, err := s.st.Override(ctx, storage.OverrideRecord{
		ResultID:    req.ResultID,
		SeenGrade:   req.OldGrade,
		NewGrade:    req.NewGrade,
		Reason:      reason,
		OSUser:      req.OSUser,
		Operator:    req.Operator,
		Workstation: req.Workstation,
	})
	if errors.Is(err, storage.ErrConflict) {
		return ui.Result{}, fmt.Errorf("another operator changed this grade meanwhile; the queue is reloaded: %w", err)
	}
	if err != nil {
		return ui.Result{}, err
	}
	r, err := s.st.Result(ctx, req.ResultID)
	if err != nil {
		return ui.Result{}, fmt.Errorf("read result %d after override: %w", req.ResultID, err)
	}
	return uiResult(r), nil
}

func (s consoleStore) Flag(ctx context.Context, id int64, flagged bool) (ui.Result, error) {
	if err := s.st.Flag(ctx, id, flagged); err != nil {
		return ui.Result{}, err
	}
	r, err := s.st.Result(ctx, id)
	if err != nil {
		return ui.Result{}, fmt.Errorf("read result %d after flagging: %w", id, err)
	}
	return uiResult(r), nil
}

func (s consoleStore) History(ctx context.Context, resultID int64) ([]ui.Override, error) {
	os, err := s.st.Overrides(ctx, resultID)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Override, len(os))
	for i, o := range os {
		reason, note, _ := strings.Cut(o.Reason, ": ")
		out[i] = ui.Override{
			ResultID: o.ResultID, At: o.At, OldGrade: o.OldGrade, NewGrade: o.NewGrade,
			Reason: reason, Note: note, Operator: o.Operator, OSUser: o.OSUser, Workstation: o.Workstation,
			Model: strings.TrimSpace(o.ModelName + " " + short(o.ModelSHA256)),
		}
	}
	return out, nil
}

func (s consoleStore) Counts(ctx context.Context, from, to time.Time) (ui.Counts, error) {
	gc, err := s.st.GradeCounts(ctx, from, to)
	if err != nil {
		return ui.Counts{}, err
	}
	c := ui.Counts{From: from, To: to, ByGrade: map[string]int64{}}
	for _, g := range gc {
		c.ByGrade[g.Grade] = g.Count
		c.Total += g.Count
		c.Overridden += g.Overridden
	}
	hours, err := s.st.ScansPerHour(ctx, from, to)
	if err != nil {
		return ui.Counts{}, err
	}
	n := int(to.Sub(from).Hours() + 0.999)
	c.PerHour = make([]int64, max(n, 0))
	for _, h := range hours {
		if i := int(h.Hour.Sub(from.Truncate(time.Hour)).Hours()); i >= 0 && i < n {
			c.PerHour[i] += h.Count
		}
	}
	return c, nil
}

func short(sha string) string {
	if len(sha) > 8 {
		return sha[:8]
	}
	return sha
}

// uiResult converts a stored result for the console.
func uiResult(r storage.Result) ui.Result {
	probs := make([]float32, len(r.Probs))
	for i, p := range r.Probs {
		probs[i] = float32(p)
	}
	return ui.Result{
		ID: r.ID, Source: r.Source, SourceKey: r.SourceKey, GradedAt: r.GradedAt,
		Grade: r.Predicted, FinalGrade: r.FinalGrade, Confidence: float32(r.Confidence),
		Probs: probs, Labels: r.Labels, ModelName: r.ModelName, ModelSHA: r.ModelSHA256,
		Metadata: r.Metadata, Flagged: r.Flagged, Reviewed: !r.ReviewedAt.IsZero(), ImagePath: r.ImagePath,
	}
}

// uiEvent converts a monitor event for the console; ok is false for
// events the console does not show.
func uiEvent(ev monitor.Event) (ui.Event, bool) {
	switch e := ev.(type) {
	case monitor.ScanGraded:
		r := uiResult(e.Result)
		if r.GradedAt.IsZero() {
			r.GradedAt = time.Now().UTC()
		}
		return ui.ScanGraded{Result: r, Scan: uiScan(e.Scan), Thumb: uiScan(e.Thumbnail)}, true
	case monitor.SourceStatus:
		st := e.Status
		state := ui.SourceIdle
		switch st.State {
		case monitor.StateOK:
			state = ui.SourceOK
		case monitor.StateConnecting:
			state = ui.SourcePolling
		case monitor.StateBackoff, monitor.StateError:
			state = ui.SourceError
		case monitor.StateStopped:
			state = ui.SourceStopped
		case monitor.StateStandby:
			state = ui.SourceStandby
		}
		errText := st.LastError
		if errText == "" && st.ImageError != "" {
			errText = "images not saved: " + st.ImageError
		}
		return ui.SourceStatus{
			Source: st.Source, State: state, Err: errText, LastPoll: st.LastPoll, NextPoll: st.NextPoll,
			Pending: st.Pending, OldestPending: st.OldestPending, PerMinute: st.PerMinute, Rejected: st.Rejected,
		}, true
	}
	return nil, false
}

// uiScan shares a matrix with the console (an empty one stays empty, so
// the console loads the scan on demand).
func uiScan(m scan.Matrix) ui.Scan {
	return ui.Scan{Width: m.Width, Height: m.Height, Pix: m.Pix}
}

// scanLoader reloads a scan for the console: from the PNG the monitor saved
// when there is one, else from the source row itself (decoded as the
// monitor decodes it), so the detail view works with image saving off.
type scanLoader struct {
	st      *storage.Store // nil: images only
	sources map[string]sourceLayout
}

// sourceLayout is what decoding a source row needs.
type sourceLayout struct {
	src    storage.Source
	layout scan.Layout
}

var _ ui.ScanLoader = scanLoader{}

// newScanLoader builds the loader from the configuration's sources.
func newScanLoader(st *storage.Store, cfg *config.Config) scanLoader {
	l := scanLoader{st: st, sources: map[string]sourceLayout{}}
	for _, s := range cfg.Sources {
		l.sources[s.Name] = sourceLayout{src: s.StorageSource(), layout: s.ScanLayout()}
	}
	return l
}

func (l scanLoader) LoadScan(ctx context.Context, r ui.Result) (ui.Scan, error) {
	if r.ImagePath != "" {
		s, err := loadPNG(r.ImagePath)
		if err == nil || l.st == nil {
			return s, err
		}
	}
	sl, ok := l.sources[r.Source]
	if l.st == nil || !ok {
		return ui.Scan{}, fmt.Errorf("no image was saved for %s/%s and the source is not configured: enable images in the configuration to keep scan images", r.Source, r.SourceKey)
	}
	row, err := l.st.FetchScan(ctx, sl.src, r.SourceKey)
	if err != nil {
		return ui.Scan{}, fmt.Errorf("reload scan %s/%s from its source table: %w", r.Source, r.SourceKey, err)
	}
	var m scan.Matrix
	if sl.src.Points != nil {
		pts := make([]scan.Point, len(row.Points))
		for i, p := range row.Points {
			pts[i] = scan.Point{X: p.X, Y: p.Y, Index: p.Index, Value: p.Value}
		}
		m, _, err = scan.DecodePoints(sl.layout, pts)
	} else {
		m, _, err = scan.Decode(sl.layout, row.Payload)
	}
	if err != nil {
		return ui.Scan{}, fmt.Errorf("decode scan %s/%s: %w", r.Source, r.SourceKey, err)
	}
	return ui.Scan{Width: m.Width, Height: m.Height, Pix: m.Pix}, nil
}

// loadPNG reads a scan image the monitor (or ad hoc saving) wrote.
func loadPNG(path string) (ui.Scan, error) {
	m, _, err := scan.ReadImageFile(scan.SavedImageLayout, path)
	if err != nil {
		return ui.Scan{}, err
	}
	return uiScan(m), nil
}

// imageDecoder decodes ad hoc image files with the layout of a configured
// source (scan.ImageLayout), so an image grades as it would on that line.
type imageDecoder struct {
	names   []string               // sources in configuration order
	layouts map[string]scan.Layout // by source name
}

var _ ui.ImageDecoder = imageDecoder{}

// newImageDecoder offers the enabled sources of cfg, in order.
func newImageDecoder(cfg *config.Config) imageDecoder {
	d := imageDecoder{layouts: map[string]scan.Layout{}}
	for _, s := range cfg.Sources {
		if s.Disabled {
			continue
		}
		d.names = append(d.names, s.Name)
		d.layouts[s.Name] = scan.ImageLayout(s.ScanLayout())
	}
	return d
}

// Sources lists the sources an image can be graded as; the first is the
// default.
func (d imageDecoder) Sources() []string { return d.names }

// DecodeImage decodes an image file as source's layout decodes its scans;
// with no source configured it uses scan.DefaultImageLayout.
func (d imageDecoder) DecodeImage(source string, r io.Reader) (ui.Scan, error) {
	l, ok := d.layouts[source]
	if !ok {
		if len(d.names) > 0 {
			return ui.Scan{}, fmt.Errorf("source %q is not configured: choose one of %s", source, strings.Join(d.names, ", "))
		}
		l = scan.DefaultImageLayout
	}
	m, _, err := scan.DecodeImageFile(l, r)
	if err != nil {
		return ui.Scan{}, err
	}
	return uiScan(m), nil
}

// modelGrader grades ad hoc scans with whatever model runs now.
type modelGrader struct {
	current func() *inference.Model
}

var _ ui.Grader = modelGrader{}

func (g modelGrader) Grade(ctx context.Context, s ui.Scan) (ui.Prediction, error) {
	m := g.current()
	if m == nil {
		return ui.Prediction{}, errors.New("no model is loaded: set a model file in the settings")
	}
	ps, err := m.Classify(ctx, []inference.Image{{Width: s.Width, Height: s.Height, Pix: s.Pix}})
	if err != nil {
		return ui.Prediction{}, err
	}
	if len(ps) != 1 {
		return ui.Prediction{}, fmt.Errorf("model returned %d predictions for 1 image", len(ps))
	}
	info := m.Info()
	p := ps[0]
	return ui.Prediction{Grade: p.Label, Confidence: p.Confidence, Probs: p.Probs, Labels: info.Labels, ModelName: info.Name, ModelSHA: info.SHA256}, nil
}

// adhocSource is the source name of scans graded ad hoc and saved by the
// operator. No table is polled under it; the name only groups the results.
const adhocSource = "adhoc"

// adhocSaver stores an ad hoc grading as a result of the source "adhoc",
// with its image in the image folder when one is configured.
type adhocSaver struct {
	st       *storage.Store
	imageDir string // "" saves no image
}

var _ ui.AdhocSaver = adhocSaver{}

func (s adhocSaver) SaveAdhoc(ctx context.Context, name string, sc ui.Scan, p ui.Prediction) (ui.Result, error) {
	now := time.Now().UTC()
	base := filepath.Base(name)
	key := now.Format("20060102T150405.000Z") + "_" + base
	probs := make([]float64, len(p.Probs))
	for i, v := range p.Probs {
		probs[i] = float64(v)
	}
	r := storage.Result{
		Source: adhocSource, SourceKey: key, Metadata: map[string]string{"file": base},
		Predicted: p.Grade, Confidence: float64(p.Confidence), Probs: probs, Labels: p.Labels,
		ModelName: p.ModelName, ModelSHA256: p.ModelSHA,
	}
	if s.imageDir != "" {
		path := monitor.ImagePath(s.imageDir, now, adhocSource, key)
		if err := writeGreyPNG(path, sc); err != nil {
			return ui.Result{}, fmt.Errorf("save ad hoc image: %w", err)
		}
		r.ImagePath = path
	}
	src := storage.Source{Name: adhocSource, Table: adhocSource, KeyColumn: "id", Mode: storage.ModeKey, PayloadColumn: "payload"}
	if err := s.st.CommitBatch(ctx, src, []storage.Result{r}, nil, storage.Checkpoint{}); err != nil {
		return ui.Result{}, fmt.Errorf("save ad hoc result %s: %w", base, err)
	}
	stored, err := s.st.ResultByKey(ctx, adhocSource, key)
	if err != nil {
		return ui.Result{}, fmt.Errorf("read back ad hoc result %s: %w", base, err)
	}
	return uiResult(stored), nil
}

// writeGreyPNG writes a scan as an 8-bit grey PNG, creating its folder.
func writeGreyPNG(path string, sc ui.Scan) error {
	if !sc.Valid() {
		return errors.New("the scan is empty")
	}
	return scan.WritePNGFile(path, scan.Matrix{Width: sc.Width, Height: sc.Height, Pix: sc.Pix})
}
