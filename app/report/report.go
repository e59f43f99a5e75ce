// Package report writes result reports. A Query selects the results and
// their variable columns; Open reads them once into Rows, a stream whose
// columns are known before the first row; a Writer per format (csv.go; one
// file per format) writes the header and the rows. Write ties the three
// together.
package report

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// Query selects the results of a report and its variable columns.
type Query struct {
	// From and To bound the time a result was graded: [From, To). A zero
	// time leaves that side open.
	From, To time.Time
	// Metadata are the configured metadata columns, in configuration
	// order; other metadata keys the results carry follow, sorted.
	Metadata []string
	// Probs adds a column per class with its probability, in the order the
	// labels are first seen.
	Probs bool
}

// Results is what a report reads; *storage.Store implements it.
type Results interface {
	EachResult(ctx context.Context, from, to time.Time, fn func(storage.Result) error) error
}

var _ Results = (*storage.Store)(nil)

// fixedColumns are the leading columns of every report; the metadata and
// probability columns of Columns follow.
var fixedColumns = []string{
	"result_id", "source", "source_key", "predicted_grade", "final_grade", "confidence",
	"model_name", "model_sha256", "graded_at", "reviewed_at", "image_path",
}

// Columns are the variable columns of a report, after the fixed ones.
type Columns struct {
	// Metadata are the carried metadata columns.
	Metadata []string
	// Labels, if any, add a prob_<label> column per class.
	Labels []string
}

// Header returns the names of every column: the fixed ones, the metadata
// columns (a name that clashes with another column is written
// "meta_<name>"), then prob_<label> per label.
func (c Columns) Header() []string {
	header := slices.Clone(fixedColumns)
	taken := map[string]bool{}
	for _, f := range fixedColumns {
		taken[f] = true
	}
	for _, l := range c.Labels {
		taken["prob_"+l] = true
	}
	for _, m := range c.Metadata {
		if taken[m] {
			m = "meta_" + m
		}
		header = append(header, m)
	}
	for _, l := range c.Labels {
		header = append(header, "prob_"+l)
	}
	return header
}

// Writer writes a report in one format: the header once, then a row per
// result, then Close, which flushes (it does not close the io.Writer the
// Writer was made with).
type Writer interface {
	WriteHeader(cols Columns) error
	WriteRow(r storage.Result) error
	Close() error
}

// formats are the writers by format name; each format's file adds its own.
var formats = map[string]func(io.Writer) Writer{}

// register adds a format; called from the init function of its file.
func register(name string, newWriter func(io.Writer) Writer) {
	if _, dup := formats[name]; dup {
		panic("report: format registered twice: " + name)
	}
	formats[name] = newWriter
}

// Formats returns the names of the supported formats, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewWriter returns a Writer of the named format writing to w.
func NewWriter(format string, w io.Writer) (Writer, error) {
	f, ok := formats[format]
	if !ok {
		return nil, fmt.Errorf("report format %q is not supported; use %s", format, strings.Join(Formats(), " or "))
	}
	return f(w), nil
}

// Write writes the results q selects from src to w: it reads them once
// (see Open), writes the header of exactly the columns those rows carry,
// then the rows, and closes w. It returns the number of rows written.
func Write(ctx context.Context, src Results, q Query, w Writer) (int, error) {
	rows, err := Open(ctx, src, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if err := w.WriteHeader(rows.Columns()); err != nil {
		return 0, err
	}
	n := 0
	for rows.Next(ctx) {
		if err := w.WriteRow(rows.Result()); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, w.Close()
}
