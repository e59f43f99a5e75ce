package storage

import "time"

// Point is one measured point of a scan from a points table. X and Y are
// set when the points table has x/y columns, Index when it has a position
// index column; the unused fields, and NULL or negative coordinates, are
// -1. A NULL value is NaN (a missing point).
type Point struct {
	X, Y  int
	Index int
	Value float64
}

// Scan is one source row read for grading.
type Scan struct {
	Source   string            // Source.Name
	Key      string            // the key column's value as text
	Payload  []byte            // payload column bytes (nil for points sources)
	Points   []Point           // points of a points source, by y then x (or by index)
	Metadata map[string]string // metadata column name -> value as text ("" for NULL)
}

// Checkpoint is the stored watermark of a source. Only the field of the
// source's mode is used; claim mode keeps no checkpoint.
type Checkpoint struct {
	Rowversion []byte // rowversion mode: highest ROWVERSION read (8 bytes)
	Key        int64  // key mode: highest key read
}

// Batch is what FetchScans returns: the scans and the checkpoint to commit
// with their results: the highest key (or rowversion) in Scans, zero when
// Scans is empty. The stored checkpoint never moves backwards, so a batch
// of late lower keys leaves it where it is.
type Batch struct {
	Scans      []Scan
	Checkpoint Checkpoint
}

// Result is one graded scan. Fields marked "set by storage" are ignored by
// CommitBatch and filled when results are read.
type Result struct {
	ID          int64             // set by storage
	Source      string            // Source.Name
	SourceKey   string            // Scan.Key
	Metadata    map[string]string // carried from Scan.Metadata
	Predicted   string            // model's grade (label)
	Confidence  float64           // probability of Predicted, in [0,1]
	Probs       []float64         // all class probabilities, in Labels order
	Labels      []string          // class labels
	ModelName   string
	ModelSHA256 string    // hex SHA-256 of the model file
	ImagePath   string    // saved PNG, "" if none was saved
	Flagged     bool      // put into the review queue regardless of confidence
	GradedAt    time.Time // set by storage: server clock, UTC
	FinalGrade  string    // set by storage: Predicted until an override
	ReviewedAt  time.Time // set by storage: zero until reviewed or overridden
}

// Reject is a scan that could not be graded (malformed payload, missing
// points, ...). Rejected scans are not read again.
type Reject struct {
	Source    string
	SourceKey string
	Reason    string
	At        time.Time // set by storage: server clock, UTC
}

// OverrideRecord is an operator's decision on a result. A NewGrade equal to
// the current final grade records an acceptance of the prediction.
type OverrideRecord struct {
	ResultID int64
	// SeenGrade, if not empty, is the final grade the operator saw; if the
	// stored final grade differs, Override returns ErrConflict.
	SeenGrade   string
	NewGrade    string
	Reason      string
	OSUser      string // operating-system account
	Operator    string // name entered at shift start
	Workstation string // host name
}

// Override is one row of the append-only override audit.
type Override struct {
	ID          int64
	ResultID    int64
	OldGrade    string
	NewGrade    string
	Reason      string
	OSUser      string
	Operator    string
	Workstation string
	ModelName   string // model that graded the result
	ModelSHA256 string
	At          time.Time // server clock, UTC
}

// ResultFilter selects results for the console, newest first. Zero fields
// do not filter. Page with BeforeID: pass the ID of the last result of the
// previous page.
type ResultFilter struct {
	Source   string
	Grade    string    // final grade
	From, To time.Time // graded_at in [From, To)
	BeforeID int64     // keyset pagination: only results with ID < BeforeID
	Limit    int       // 0 means 100; at most 10,000
}

// GradeCount is the number of results with one final grade.
type GradeCount struct {
	Grade      string
	Count      int64
	Overridden int64 // of Count, how many have a final grade unlike the prediction
}

// HourCount is the number of results graded in one UTC hour.
type HourCount struct {
	Hour  time.Time // start of the hour, UTC
	Count int64
}

// Pending describes source rows that have neither a result nor a reject.
type Pending struct {
	Count     int64
	OldestKey string    // "" when Count is 0
	OldestAt  time.Time // zero unless Source.CreatedAtColumn is set
}
