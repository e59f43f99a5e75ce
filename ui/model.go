package ui

import (
	"context"
	"time"
)

// Scan is a scan's measurement matrix, row-major, with values normalised to
// [0,1] (0 = dark / low). It is the console's own copy of monitor/scan.Matrix
// so that ui depends on nothing but plain values.
type Scan struct {
	Width, Height int
	Pix           []float32
}

// Valid reports whether the scan has positive dimensions and a matching
// number of values.
func (s Scan) Valid() bool {
	return s.Width > 0 && s.Height > 0 && len(s.Pix) == s.Width*s.Height
}

// At returns the value at column x, row y, or 0 outside the scan.
func (s Scan) At(x, y int) float32 {
	if x < 0 || y < 0 || x >= s.Width || y >= s.Height || !s.Valid() {
		return 0
	}
	return s.Pix[y*s.Width+x]
}

// Result is one graded scan as the console shows it.
type Result struct {
	ID         int64
	Source     string
	SourceKey  string
	ScannedAt  time.Time // when the source recorded the scan; zero if unknown
	GradedAt   time.Time // UTC
	Grade      string    // the model's grade; never changed by an override
	FinalGrade string    // the grade after overrides; equals Grade when none
	Confidence float32   // probability of Grade, in [0,1]
	Probs      []float32 // one per label, in label order; may be empty
	Labels     []string
	ModelName  string
	ModelSHA   string // hex SHA-256 of the model file
	Metadata   map[string]string
	Flagged    bool   // flagged for review by the source or an operator
	Reviewed   bool   // an operator has confirmed or overridden the grade
	ImagePath  string // the saved image of the scan, "" if none
}

// resultKey identifies a result by its source row, which is unique and,
// unlike ID, known as soon as a scan is graded.
type resultKey struct{ source, key string }

func (r Result) key() resultKey { return resultKey{r.Source, r.SourceKey} }

// Final returns the grade that counts: the override if any, else the
// model's grade.
func (r Result) Final() string {
	if r.FinalGrade != "" {
		return r.FinalGrade
	}
	return r.Grade
}

// Overridden reports whether an operator changed the model's grade.
func (r Result) Overridden() bool { return r.Final() != r.Grade }

// Override is one row of the append-only override audit.
type Override struct {
	ResultID    int64
	At          time.Time // UTC
	OldGrade    string
	NewGrade    string
	Reason      string
	Note        string
	Operator    string // name entered at shift start
	OSUser      string
	Workstation string
	Model       string // model name and short SHA that produced the graded result
}

// OverrideRequest asks the store to record an operator's decision on a
// result. When NewGrade equals OldGrade the operator accepted the model's
// grade; the decision is still audited and the result leaves the review
// queue.
type OverrideRequest = Override

// Counts are grade totals over a time range.
type Counts struct {
	From, To   time.Time
	ByGrade    map[string]int64 // final grades
	Total      int64
	Overridden int64
	// PerHour holds scans graded in each hour from From, oldest first.
	PerHour []int64
}

// ResultStore is what the console needs from storage. All methods may block
// on the database; the console calls them from background goroutines only.
type ResultStore interface {
	// ReviewQueue returns unreviewed results with confidence below threshold
	// or flagged, oldest first, at most limit of them, and how many there
	// are in total.
	ReviewQueue(ctx context.Context, threshold float32, limit int) ([]Result, int, error)
	// Override appends the audit row and updates the final grade in one
	// transaction, and returns the updated result.
	Override(ctx context.Context, req OverrideRequest) (Result, error)
	// ResultByKey returns the stored result of one source row.
	ResultByKey(ctx context.Context, source, key string) (Result, error)
	// Flag puts a result into the review queue (or takes it out) whatever
	// its confidence, and returns the updated result.
	Flag(ctx context.Context, resultID int64, flagged bool) (Result, error)
	// History returns the override audit of one result, oldest first.
	History(ctx context.Context, resultID int64) ([]Override, error)
	// Counts returns grade totals for results graded in [from, to).
	Counts(ctx context.Context, from, to time.Time) (Counts, error)
}

// RecentLoader gives the newest stored results, so that a console started
// mid-shift shows what was graded before it opened. Optional: a Store that
// also implements it is used for it.
type RecentLoader interface {
	// Recent returns up to limit results, newest first.
	Recent(ctx context.Context, limit int) ([]Result, error)
}

// ScanLoader reloads a scan's matrix when the console no longer holds it
// (older thumbnails, the detail view of an old result).
type ScanLoader interface {
	LoadScan(ctx context.Context, r Result) (Scan, error)
}

// Prediction is the model's answer for one scan graded ad hoc.
type Prediction struct {
	Grade      string
	Confidence float32
	Probs      []float32
	Labels     []string
	ModelName  string
	ModelSHA   string
}

// Grader grades one scan with the current model, for ad hoc grading.
type Grader interface {
	Grade(ctx context.Context, s Scan) (Prediction, error)
}

// Identity says who is at the console; it goes into every audit row.
type Identity struct {
	Operator    string
	OSUser      string
	Workstation string
}
