// Package ui is Gradewatch's operator console, built with Fyne.
//
// The console declares the few things it needs from the rest of the
// application as small interfaces (ResultStore, ScanLoader, Grader,
// AdhocSaver, SettingsService, and the optional RecentLoader); the app
// package adapts storage, the model and the configuration to them, and
// tests use in-memory fakes.
//
// # Threads
//
// Widgets are changed only on the Fyne goroutine. Everything else reaches
// them through one adapter: Console.Post takes plain event values
// (ScanGraded, SourceStatus, ModelChanged, DatabaseState, ResultUpdated,
// Notice, RaiseWindow) from any goroutine, reduces scans to thumbnails on
// the caller's goroutine, and queues them; at most one fyne.Do is
// outstanding, applied no more often than FrameInterval (about 60 per
// second), so a backlog of thousands of scans arrives as a few large
// batches and the window stays responsive. Database and model work the
// console starts itself (review queue, history, counts, overrides, ad hoc
// grading, settings) runs through Options.Go and comes back the same way.
//
// # Memory
//
// The live feed keeps at most Options.MaxFeed results (default 20,000),
// thumbnails (at most 64 px a side) only for the newest Options.MaxThumbs
// (default 1,000), and full-resolution matrices (ScanGraded.Scan, never
// the thumbnail) of the newest 256 scans within 64 MiB for the detail view
// and review. Older thumbnails and matrices are loaded again through the
// ScanLoader when they come into view.
//
// # Screens
//
//   - Live: a virtualised thumbnail grid, newest first, colour-coded
//     (confident, low confidence or flagged, overridden), filtered by
//     source and grade, with pause/resume; beside it the detail of the
//     chosen scan (colour maps, zoom, value under the pointer, class
//     probabilities, metadata, model, override history, flag for review).
//   - Review: the queue of results below the threshold or flagged, oldest
//     first. Keyboard: a grade's key chooses it, Enter confirms (asking for
//     a reason when the grade changes), Space accepts the prediction,
//     arrows move, Escape clears.
//   - Dashboard: counts per grade for the shift and today, yield, override
//     rate and scans per hour.
//   - Ad hoc: grade an image file (opened or dropped) with the current
//     model; saved only on request.
//   - Settings: behind the supervisor PIN when one is set. Each source's
//     table, key, mode, layout, size, interval, batch size, normalisation
//     and polling are edited and tested against the database, and a source
//     is added as a copy of another; intervals apply from the next poll,
//     the rest at the next start.
//   - Status bar: each source's state, polls, pending rows and throughput;
//     database and model; operator; theme toggle; notices.
package ui
