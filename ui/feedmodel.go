package ui

import (
	"image"
	"slices"
)

// graded is a ScanGraded after Post reduced its scan to a thumbnail.
type graded struct {
	result Result
	scan   Scan
	thumb  *image.Gray
}

func (graded) event() {}

// feedEntry is one scan in the live feed.
type feedEntry struct {
	seq    uint64
	result Result
	thumb  *image.Gray // nil once the entry is older than the thumbnail window
}

// feedFilter selects the scans shown; empty fields match everything.
type feedFilter struct {
	source string
	grade  string
}

func (f feedFilter) match(r Result) bool {
	return (f.source == "" || r.Source == f.source) && (f.grade == "" || r.Final() == f.grade)
}

// feedModel holds the live feed with bounded memory: at most 1.25 ×
// maxEntries results, and thumbnails only for the newest maxThumbs of them. Older
// thumbnails are loaded again on demand. It is used on the Fyne goroutine
// only.
type feedModel struct {
	maxEntries int
	maxThumbs  int

	entries []feedEntry // oldest first; seqs are consecutive
	nextSeq uint64
	filter  feedFilter
	paused  bool
	view    []uint64    // seqs shown, newest first
	unseen  int         // scans added while paused
	sources []string    // every source seen, sorted
	grades  []string    // every grade seen, sorted
	loaded  []resultKey // results whose old thumbnails were loaded on demand, oldest first
}

// maxLoadedThumbs bounds thumbnails loaded again for entries older than
// the thumbnail window (a person scrolling far back).
const maxLoadedThumbs = 256

func newFeedModel(maxEntries, maxThumbs int) *feedModel {
	return &feedModel{maxEntries: maxEntries, maxThumbs: min(maxThumbs, maxEntries)}
}

// add appends a batch of graded scans and refreshes the view unless paused.
func (f *feedModel) add(batch []graded) {
	if len(batch) > f.maxEntries {
		batch = batch[len(batch)-f.maxEntries:]
	}
	for _, g := range batch {
		f.entries = append(f.entries, feedEntry{seq: f.nextSeq, result: g.result, thumb: g.thumb})
		f.nextSeq++
		f.note(g.result)
		if n := len(f.entries) - 1 - f.maxThumbs; n >= 0 {
			f.entries[n].thumb = nil
		}
	}
	if len(f.entries) > f.maxEntries+f.maxEntries/4 {
		// Drop the oldest in one go once a quarter too many have gathered
		// (amortised: no copy of the whole feed per batch), copying into a
		// fresh slice so the dropped entries can be collected.
		f.entries = slices.Clone(f.entries[len(f.entries)-f.maxEntries:])
	}
	if f.paused {
		f.unseen += len(batch)
		return
	}
	f.rebuild()
}

func (f *feedModel) note(r Result) {
	if i, found := slices.BinarySearch(f.sources, r.Source); !found {
		f.sources = slices.Insert(f.sources, i, r.Source)
	}
	if i, found := slices.BinarySearch(f.grades, r.Final()); !found {
		f.grades = slices.Insert(f.grades, i, r.Final())
	}
}

// prepend puts results graded before the console started (newest first)
// in front of the feed, skipping any it already holds. Their thumbnails are
// loaded on demand.
func (f *feedModel) prepend(newestFirst []Result) {
	have := make(map[resultKey]bool, len(f.entries))
	for _, e := range f.entries {
		have[e.result.key()] = true
	}
	room := f.maxEntries - len(f.entries)
	var older []feedEntry
	for _, r := range newestFirst {
		if len(older) >= room {
			break
		}
		if !have[r.key()] {
			older = append(older, feedEntry{result: r})
			f.note(r)
		}
	}
	slices.Reverse(older)
	f.entries = append(older, f.entries...)
	for i := range f.entries {
		f.entries[i].seq = uint64(i)
	}
	f.nextSeq = uint64(len(f.entries))
	f.rebuild() // seqs changed, so even a paused view is rebuilt
}

// rebuild recomputes the view from the entries and the filter.
func (f *feedModel) rebuild() {
	f.view = f.view[:0]
	for i := len(f.entries) - 1; i >= 0; i-- {
		if f.filter.match(f.entries[i].result) {
			f.view = append(f.view, f.entries[i].seq)
		}
	}
	f.unseen = 0
}

func (f *feedModel) setFilter(ff feedFilter) {
	f.filter = ff
	f.rebuild()
}

func (f *feedModel) setPaused(p bool) {
	f.paused = p
	if !p {
		f.rebuild()
	}
}

// len is the number of scans shown.
func (f *feedModel) len() int { return len(f.view) }

// at returns the i-th shown entry, newest first; ok is false when the
// entry has been dropped from memory since the view was built.
func (f *feedModel) at(i int) (*feedEntry, bool) {
	if i < 0 || i >= len(f.view) {
		return nil, false
	}
	return f.bySeq(f.view[i])
}

func (f *feedModel) bySeq(seq uint64) (*feedEntry, bool) {
	if len(f.entries) == 0 || seq < f.entries[0].seq {
		return nil, false
	}
	k := seq - f.entries[0].seq
	if k >= uint64(len(f.entries)) {
		return nil, false
	}
	return &f.entries[k], true
}

// update replaces the result with the same ID; it reports whether the feed
// held it.
func (f *feedModel) update(r Result) bool {
	for i := len(f.entries) - 1; i >= 0; i-- {
		if f.entries[i].result.key() == r.key() {
			f.entries[i].result = r
			f.note(r)
			return true
		}
	}
	return false
}

// setThumb stores a thumbnail loaded on demand for the result with id,
// forgetting the oldest such thumbnail beyond maxLoadedThumbs.
func (f *feedModel) setThumb(id resultKey, img *image.Gray) {
	e := f.byKey(id)
	if e == nil {
		return
	}
	e.thumb = img
	f.loaded = append(f.loaded, id)
	if len(f.loaded) > maxLoadedThumbs {
		old := f.loaded[0]
		f.loaded = slices.Delete(f.loaded, 0, 1)
		if e := f.byKey(old); e != nil && e.seq+uint64(f.maxThumbs) < f.nextSeq {
			e.thumb = nil
		}
	}
}

func (f *feedModel) byKey(k resultKey) *feedEntry {
	for i := len(f.entries) - 1; i >= 0; i-- {
		if f.entries[i].result.key() == k {
			return &f.entries[i]
		}
	}
	return nil
}

// thumbsHeld counts entries holding a thumbnail (for tests and memory checks).
func (f *feedModel) thumbsHeld() int {
	n := 0
	for _, e := range f.entries {
		if e.thumb != nil {
			n++
		}
	}
	return n
}
