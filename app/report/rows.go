package report

import (
	"bufio"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/gradewatch/gradewatch/storage"
)

// Rows is the stream of a report's results. Open reads the results once,
// spooling them to a temporary file while it collects their columns, so
// that Columns is known before the first row and matches exactly the rows
// that follow. (Reading twice, once for the columns and once for the rows,
// would drop the column of a result committed between the two reads.)
type Rows struct {
	spool *os.File
	dec   *gob.Decoder
	cols  Columns
	n, i  int
	cur   storage.Result
	err   error
}

// ctxCheckEvery is how many rows Next reads between checks of its context.
const ctxCheckEvery = 4096

// Open reads the results q selects from src. Close the Rows when done; it
// removes the spool file.
func Open(ctx context.Context, src Results, q Query) (*Rows, error) {
	spool, err := os.CreateTemp("", "gradewatch-export-*.spool")
	if err != nil {
		return nil, fmt.Errorf("create export spool file (set TMPDIR to a writable folder): %w", err)
	}
	r := &Rows{spool: spool}
	cc := newColumnCollector(q.Metadata, q.Probs)
	sw := bufio.NewWriterSize(spool, 64<<10)
	enc := gob.NewEncoder(sw)
	err = src.EachResult(ctx, q.From, q.To, func(res storage.Result) error {
		cc.add(res)
		r.n++
		if err := enc.Encode(&res); err != nil {
			return fmt.Errorf("spool result %d to %s: %w", res.ID, spool.Name(), err)
		}
		return nil
	})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("export results: %w", err)
	}
	if err := sw.Flush(); err != nil {
		r.Close()
		return nil, fmt.Errorf("spool results to %s: %w", spool.Name(), err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		r.Close()
		return nil, fmt.Errorf("rewind export spool %s: %w", spool.Name(), err)
	}
	r.dec = gob.NewDecoder(bufio.NewReaderSize(spool, 64<<10))
	r.cols = cc.columns()
	return r, nil
}

// Columns returns the variable columns of the rows.
func (r *Rows) Columns() Columns { return r.cols }

// Len returns the number of rows.
func (r *Rows) Len() int { return r.n }

// Next reads the next row, for Result; it returns false after the last
// row, when ctx is done or on an error (see Err).
func (r *Rows) Next(ctx context.Context) bool {
	if r.err != nil || r.i >= r.n {
		return false
	}
	if r.i%ctxCheckEvery == 0 {
		if err := ctx.Err(); err != nil {
			r.err = fmt.Errorf("export results: %w", err)
			return false
		}
	}
	r.cur = storage.Result{}
	if err := r.dec.Decode(&r.cur); err != nil {
		r.err = fmt.Errorf("read back result %d of %d from export spool %s: %w", r.i+1, r.n, r.spool.Name(), err)
		return false
	}
	r.i++
	return true
}

// Result returns the row Next read.
func (r *Rows) Result() storage.Result { return r.cur }

// Err returns why Next stopped early, or nil.
func (r *Rows) Err() error { return r.err }

// Close removes the spool file.
func (r *Rows) Close() error {
	r.spool.Close()
	return os.Remove(r.spool.Name())
}

// columnCollector gathers the variable columns of the results it is
// shown: the configured metadata columns in configuration order, then any
// other key found in the results (of sources no longer configured), sorted;
// with probs, the class labels in the order first seen.
type columnCollector struct {
	configured []string
	extra      []string
	seen       map[string]bool
	probs      bool
	labels     []string
	seenLabel  map[string]bool
}

func newColumnCollector(configured []string, probs bool) *columnCollector {
	c := &columnCollector{seen: map[string]bool{}, probs: probs, seenLabel: map[string]bool{}}
	for _, m := range configured {
		if !c.seen[m] {
			c.seen[m] = true
			c.configured = append(c.configured, m)
		}
	}
	return c
}

func (c *columnCollector) add(r storage.Result) {
	for k := range r.Metadata {
		if !c.seen[k] {
			c.seen[k] = true
			c.extra = append(c.extra, k)
		}
	}
	if c.probs {
		for _, l := range r.Labels {
			if !c.seenLabel[l] {
				c.seenLabel[l] = true
				c.labels = append(c.labels, l)
			}
		}
	}
}

func (c *columnCollector) columns() Columns {
	extra := slices.Clone(c.extra)
	slices.Sort(extra)
	return Columns{Metadata: append(slices.Clone(c.configured), extra...), Labels: c.labels}
}
