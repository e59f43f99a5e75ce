// Package monitor watches the source tables, each on its own poll interval,
// turns every new scan into an image, grades it and records the result
// exactly once.
//
// A Monitor runs one goroutine per source (see Monitor.Run). Each cycle of
// a source:
//
//  1. fetches up to BatchSize new scans after the source's checkpoint
//     (every SweepEvery cycles also rows that have no result at all: the
//     reconciliation sweep);
//  2. decodes each scan with its Layout (package monitor/scan); a scan that
//     cannot be decoded becomes a reject with the reason and the line
//     continues;
//  3. grades the decoded scans in one batch with the Grader current at
//     that moment (SetGrader swaps it at run time);
//  4. saves each graded scan as a PNG in <ImageDir>/<YYYY-MM-DD>/ (UTC
//     day); a failure shows in the status and never stops grading;
//  5. commits results, rejects and the new checkpoint in one transaction
//     (Store.CommitBatch, idempotent), retrying with exponential backoff
//     and jitter while the database is unreachable or locked; a batch the
//     database keeps refusing is stored row by row, so one bad row becomes
//     a reject (or stays pending, counted) instead of stopping the line;
//  6. starts the next cycle at once while batches come back full,
//     otherwise after the source's interval.
//
// Sources in key or rowversion mode are polled by one console at a time
// when the Store can lock (*storage.Store can): the others stand by and
// take over when the active one stops. Images are written while the model
// grades; a panic in the model rejects the scan instead of stopping the
// monitor.
//
// The state of every source is available as a snapshot (Monitor.Status)
// and as a stream of plain Event values (Monitor.Subscribe) that never
// blocks grading: a slow subscriber loses ScanGraded and ScanRejected
// events (counted) and sees SourceStatus events coalesced to the latest
// per source.
package monitor
