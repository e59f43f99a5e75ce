package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Options configure a Console. Only Identity is required; a nil store,
// loader, grader or settings service disables the parts that need it.
type Options struct {
	Store    ResultStore
	Loader   ScanLoader
	Grader   Grader
	Decoder  ImageDecoder
	Saver    AdhocSaver
	Settings SettingsService
	Identity Identity

	// ReviewThreshold: results below this confidence go to the review
	// queue. Default 0.8.
	ReviewThreshold float32
	// Reasons is the override reason pick-list. Default DefaultReasons.
	Reasons []string
	// PassGrades are the grades that count as good for the yield; when
	// empty the dashboard shows no yield.
	PassGrades []string

	// Go runs background work (database, model) off the Fyne goroutine.
	// Default: a new goroutine with a context that is never cancelled;
	// the app passes one bound to its root context. Tests run it inline.
	Go func(func(ctx context.Context))
	// FrameInterval is the minimum time between batches applied to the
	// widgets. Zero means the package's FrameInterval; a negative value
	// applies every Post at once (tests).
	FrameInterval time.Duration
	// MaxFeed bounds the scans held by the live feed (default 20,000);
	// MaxThumbs the newest of them that keep a thumbnail (default 1,000).
	MaxFeed, MaxThumbs int
	// Now returns the current time; default time.Now.
	Now func() time.Time
}

// DefaultReasons is the default override reason pick-list.
var DefaultReasons = []string{
	"Model misgraded",
	"Scan artefact",
	"Borderline case",
	"Customer specification",
	"Other (see note)",
}

// Console is the operator console: live feed, scan detail, review queue,
// dashboard, ad hoc grading, settings and the status bar. Create it with
// New, show Content in a window, feed it events with Post or Run.
type Console struct {
	app  fyne.App
	win  fyne.Window
	opt  Options
	id   Identity
	labs []string // the current model's labels

	adapter *adapter
	feed    *feedModel
	scans   *scanCache

	content  fyne.CanvasObject
	tabs     *container.AppTabs
	reviewTb *container.TabItem
	live     *liveView
	review   *reviewPanel
	status   *statusBar
	dash     *dashboard
	adhoc    *adhocView
	settings *settingsView

	operatorForm  *dialog.FormDialog // the shift start dialog, for tests
	operatorEntry *widget.Entry

	shiftStart   time.Time
	thumbLoading map[resultKey]bool // on-demand thumbnail loads in flight
	thumbFailed  map[resultKey]bool // on-demand thumbnail loads that failed
}

// New builds the console for window w of app a. It does not show the
// window.
func New(a fyne.App, w fyne.Window, opt Options) *Console {
	if opt.ReviewThreshold <= 0 {
		opt.ReviewThreshold = 0.8
	}
	if len(opt.Reasons) == 0 {
		opt.Reasons = DefaultReasons
	}
	if opt.Go == nil {
		opt.Go = func(f func(context.Context)) { go f(context.Background()) }
	}
	if opt.MaxFeed <= 0 {
		opt.MaxFeed = 20000
	}
	if opt.MaxThumbs <= 0 {
		opt.MaxThumbs = 1000
	}
	if opt.FrameInterval == 0 {
		opt.FrameInterval = FrameInterval
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &Console{
		app:          a,
		win:          w,
		opt:          opt,
		id:           opt.Identity,
		feed:         newFeedModel(opt.MaxFeed, opt.MaxThumbs),
		scans:        newScanCache(maxCachedScans, maxCachedScanBytes),
		shiftStart:   opt.Now(),
		thumbLoading: map[resultKey]bool{},
		thumbFailed:  map[resultKey]bool{},
	}
	c.adapter = newAdapter(c.apply, opt.FrameInterval)
	c.build()
	return c
}

// Content is the console's root object, to put in the window.
func (c *Console) Content() fyne.CanvasObject { return c.content }

func (c *Console) build() {
	c.live = newLiveView(c)
	c.review = newReviewPanel(c)
	c.status = newStatusBar(c)
	c.dash = newDashboard(c)
	c.adhoc = newAdhocView(c)
	c.settings = newSettingsView(c)
	c.reviewTb = container.NewTabItem("Review", c.review)
	c.tabs = container.NewAppTabs(
		container.NewTabItem("Live", c.live.root),
		c.reviewTb,
		container.NewTabItem("Dashboard", c.dash.root),
		container.NewTabItem("Ad hoc", c.adhoc.root),
		container.NewTabItem("Settings", c.settings.root),
	)
	c.tabs.OnSelected = func(t *container.TabItem) {
		switch t {
		case c.reviewTb:
			c.review.reload()
			c.win.Canvas().Focus(c.review)
		case c.tabs.Items[2]:
			c.dash.reload()
		}
	}
	c.content = container.NewBorder(nil, c.status.root, nil, nil, c.tabs)
	c.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		if len(uris) > 0 {
			c.tabs.SelectIndex(3)
			c.adhoc.gradeURI(uris[0])
		}
	})
	// Alt+1 … Alt+5 switch screens from anywhere.
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5} {
		c.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierAlt}, func(fyne.Shortcut) {
			c.tabs.SelectIndex(i)
		})
	}
	c.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		// Keys typed with nothing focused go to the review queue when it
		// is on screen, so the keyboard works without a click first.
		if c.tabs.Selected() == c.reviewTb {
			c.win.Canvas().Focus(c.review)
			c.review.TypedKey(ev)
		}
	})
	c.win.Canvas().SetOnTypedRune(func(r rune) {
		if c.tabs.Selected() == c.reviewTb {
			c.win.Canvas().Focus(c.review)
			c.review.TypedRune(r)
		}
	})
}

// ShowReview switches to the review queue and gives it the keyboard.
func (c *Console) ShowReview() {
	c.tabs.Select(c.reviewTb)
}

// Start begins the console's periodic work (review queue and dashboard
// refresh, status ticks). It returns at once; the work stops when ctx is
// done.
func (c *Console) Start(ctx context.Context) {
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n++
				c.adapter.post(clockTick{reloadReview: n%10 == 0, reloadCounts: n%30 == 0})
			}
		}
	}()
	c.review.reload()
	c.dash.reload()
	if rl, ok := c.opt.Store.(RecentLoader); ok {
		n := c.opt.MaxThumbs
		c.opt.Go(func(ctx context.Context) {
			rs, err := rl.Recent(ctx, n)
			c.adapter.post(recentLoaded{results: rs, err: err})
		})
	}
}

// clockTick refreshes relative times; every few ticks it also reloads the
// review queue and the dashboard.
type clockTick struct{ reloadReview, reloadCounts bool }

func (clockTick) event() {}

// apply runs on the Fyne goroutine with one batch of events.
func (c *Console) apply(batch []Event) {
	var scans []graded
	sources := false
	for _, ev := range batch {
		switch e := ev.(type) {
		case graded:
			scans = append(scans, e)
		case ResultUpdated:
			c.resultChanged(e.Result)
		case SourceStatus:
			c.status.setSource(e)
			sources = true
		case ModelChanged:
			if e.Err == "" && len(e.Labels) > 0 {
				c.labs = e.Labels
			}
			c.status.setModel(e)
		case DatabaseState:
			c.status.setDatabase(e)
		case reviewLoaded:
			c.review.loaded(e)
		case historyLoaded:
			c.live.detail.setHistory(e)
			c.review.detail.setHistory(e)
		case scanLoaded:
			if e.err == nil {
				c.scans.put(e.key, e.scan)
			}
			c.live.detail.setScan(e)
			c.review.detail.setScan(e)
		case thumbLoaded:
			c.thumbDone(e)
		case countsLoaded:
			c.dash.loaded(e)
		case overrideDone:
			c.review.overrideDone(e)
		case settingsDone:
			c.settings.done(e)
		case sourceChecked:
			e.ed.testMsg.SetText(e.text)
		case adhocGraded:
			c.adhoc.graded(e)
		case adhocSaved:
			c.adhoc.saved(e)
		case notice:
			c.status.notify(e.text)
		case recentLoaded:
			if e.err != nil {
				c.showError("load recent results", e.err)
			} else {
				c.feed.prepend(e.results)
				c.live.refresh()
			}
		case flagChanged:
			c.review.reload()
		case Notice:
			c.status.notify(e.Text)
		case RaiseWindow:
			c.win.Show()
			c.win.RequestFocus()
		case clockTick:
			c.status.tick()
			if e.reloadReview {
				c.review.reload()
			}
			if e.reloadCounts {
				c.dash.reload()
			}
		}
	}
	if sources {
		c.status.drawSources()
	}
	if len(scans) > 0 {
		c.addScans(scans)
	}
}

func (c *Console) addScans(batch []graded) {
	low := false
	for _, g := range batch {
		if g.result.Confidence < c.opt.ReviewThreshold || g.result.Flagged {
			low = true
		}
		if len(g.result.Labels) > 0 {
			c.labs = g.result.Labels
		}
	}
	// Keep the full matrices of the newest scans for the detail view.
	for _, g := range batch[max(0, len(batch)-c.scans.cap):] {
		if g.scan.Valid() {
			c.scans.put(g.result.key(), g.scan)
		}
	}
	c.feed.add(batch)
	c.live.refresh()
	if low {
		c.review.newLowConfidence()
	}
}

// resultChanged shows a result's new state everywhere it appears.
func (c *Console) resultChanged(r Result) {
	if c.feed.update(r) {
		c.live.refresh()
	}
	c.live.detail.resultChanged(r)
	c.review.detail.resultChanged(r)
}

// loadScan fetches a scan's matrix in the background, from the cache or
// the loader.
func (c *Console) loadScan(r Result) {
	if s, ok := c.scans.get(r.key()); ok {
		c.adapter.post(scanLoaded{key: r.key(), scan: s})
		return
	}
	if c.opt.Loader == nil {
		c.adapter.post(scanLoaded{key: r.key(), err: fmt.Errorf("scan image of %s/%s is no longer in memory and no image folder is set", r.Source, r.SourceKey)})
		return
	}
	c.opt.Go(func(ctx context.Context) {
		s, err := c.opt.Loader.LoadScan(ctx, r)
		if err == nil && !s.Valid() {
			err = fmt.Errorf("scan image of %s/%s is empty", r.Source, r.SourceKey)
		}
		c.adapter.post(scanLoaded{key: r.key(), scan: s, err: err})
	})
}

// loadHistory fetches a result's override audit in the background. A
// result fresh from the monitor has no ID yet; it is looked up by its
// source row first and the stored result (ID, final grade) is shown too.
func (c *Console) loadHistory(r Result) {
	if c.opt.Store == nil {
		return
	}
	store := c.opt.Store
	c.opt.Go(func(ctx context.Context) {
		if r.ID == 0 {
			stored, err := store.ResultByKey(ctx, r.Source, r.SourceKey)
			if err != nil {
				c.adapter.post(historyLoaded{key: r.key(), err: fmt.Errorf("look up %s/%s: %w", r.Source, r.SourceKey, err)})
				return
			}
			r = stored
			c.adapter.post(ResultUpdated{Result: stored})
		}
		h, err := store.History(ctx, r.ID)
		c.adapter.post(historyLoaded{key: r.key(), history: h, err: err})
	})
}

// showError tells the operator about an error in the status bar.
func (c *Console) showError(what string, err error) {
	c.status.notify(fmt.Sprintf("%s: %v", what, err))
}

// Identity returns who is recorded in audit rows.
func (c *Console) Identity() Identity { return c.id }

// SetOperator sets the operator name recorded from now on.
func (c *Console) SetOperator(name string) {
	c.id.Operator = name
	c.shiftStart = c.opt.Now()
	c.status.setOperator(name)
}

// labelsFor returns the grade labels of r, or the current model's.
func (c *Console) labelsFor(r Result) []string {
	if len(r.Labels) > 0 {
		return r.Labels
	}
	return c.labs
}

var _ fyne.Focusable = (*reviewPanel)(nil)
