package storage

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
)

// looseTime scans a time column of either dialect: time.Time from
// SQL Server, text from SQLite. Unreadable text and NULL give the zero
// time.
type looseTime struct{ t time.Time }

// sqliteReadLayouts are the text layouts read back from SQLite: ours
// first, then common ones a source table may use.
var sqliteReadLayouts = []string{
	sqliteTimeLayout,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (l *looseTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		l.t = time.Time{}
	case time.Time:
		l.t = x.UTC()
	case string:
		l.t = parseLoose(x)
	case []byte:
		l.t = parseLoose(string(x))
	default:
		l.t = time.Time{}
	}
	return nil
}

func parseLoose(s string) time.Time {
	for _, layout := range sqliteReadLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// strictTime scans a time column Gradewatch wrote itself; text it cannot
// read is an error, not a zero time.
type strictTime struct{ t time.Time }

// Scan implements sql.Scanner.
func (s *strictTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		s.t = time.Time{}
		return nil
	case time.Time:
		s.t = x.UTC()
		return nil
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("time column holds %T, not a time", v)
	}
}

func (s *strictTime) parse(text string) error {
	t, err := time.Parse(sqliteTimeLayout, text)
	if err != nil {
		return fmt.Errorf("time %q is not in the layout %q", text, sqliteTimeLayout)
	}
	s.t = t.UTC()
	return nil
}

// addResultArgs appends the values of rows in resultColumns order.
func addResultArgs(a *args, rows []Result) error {
	for _, r := range rows {
		if err := checkResult(r); err != nil {
			return err
		}
		meta, err := json.Marshal(nonNilMap(r.Metadata))
		if err != nil {
			return fmt.Errorf("result %s/%s: encode metadata: %w", r.Source, r.SourceKey, err)
		}
		probs, err := json.Marshal(nonNilFloats(r.Probs))
		if err != nil {
			return fmt.Errorf("result %s/%s: encode probabilities: %w", r.Source, r.SourceKey, err)
		}
		labels, err := json.Marshal(nonNilStrings(r.Labels))
		if err != nil {
			return fmt.Errorf("result %s/%s: encode labels: %w", r.Source, r.SourceKey, err)
		}
		a.add(r.Source)
		a.add(r.SourceKey)
		a.add(string(meta))
		a.add(r.Predicted)
		a.add(r.Confidence)
		a.add(string(probs))
		a.add(string(labels))
		a.add(r.ModelName)
		a.add(r.ModelSHA256)
		a.add(r.ImagePath)
		a.add(r.Flagged)
		a.add(r.Predicted) // final_grade starts as the prediction
	}
	return nil
}

// checkResult rejects values the results table cannot hold.
func checkResult(r Result) error {
	name := r.Source + "/" + r.SourceKey
	switch {
	case r.SourceKey == "":
		return fmt.Errorf("result of source %q has no source key: set Result.SourceKey to Scan.Key", r.Source)
	case len(r.SourceKey) > 200:
		return fmt.Errorf("result %s: source key is %d bytes long: at most 200 fit", name, len(r.SourceKey))
	case r.Predicted == "" || len(r.Predicted) > 64:
		return fmt.Errorf("result %s: predicted grade %q must be 1 to 64 bytes", name, r.Predicted)
	case math.IsNaN(r.Confidence) || math.IsInf(r.Confidence, 0):
		return fmt.Errorf("result %s: confidence is %v: give a number in [0,1]", name, r.Confidence)
	}
	for i, p := range r.Probs {
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return fmt.Errorf("result %s: probability %d is %v: give numbers in [0,1]", name, i, p)
		}
	}
	return nil
}

func addRejectArgs(a *args, rows []Reject) {
	for _, r := range rows {
		a.add(r.Source)
		a.add(r.SourceKey)
		a.add(r.Reason)
	}
}

func addOverrideArgs(a *args, o Override) {
	for _, v := range []any{o.ResultID, o.OldGrade, o.NewGrade, o.Reason, o.OSUser, o.Operator, o.Workstation, o.ModelName, o.ModelSHA256} {
		a.add(v)
	}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilFloats(f []float64) []float64 {
	if f == nil {
		return []float64{}
	}
	return f
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var ownerOnce = sync.OnceValue(func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
})

// ownerID names this process in claim columns: host and process id.
func ownerID() string { return ownerOnce() }
