package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// reviewPanel is the review queue, driven from the keyboard: a grade's key
// chooses it, Enter confirms and moves to the next, Space accepts the
// model's grade, Up/Down move through the queue, Escape clears the choice.
type reviewPanel struct {
	widget.BaseWidget
	c *Console

	items    []Result // the queue, oldest first, without those being saved
	total    int      // size of the whole queue in the store
	cur      int
	pending  string         // grade chosen for the current item, "" for none
	saving   map[int64]bool // overrides sent and not yet confirmed
	loading  bool
	lastErr  string
	reason   *reasonForm // non-nil while the reason dialog is open
	reasonDl *dialog.ConfirmDialog

	list    *widget.List
	counts  *widget.Label
	choice  *widget.Label
	keys    *widget.Label
	detail  *detailPanel
	content fyne.CanvasObject
}

func newReviewPanel(c *Console) *reviewPanel {
	p := &reviewPanel{c: c, saving: map[int64]bool{}}
	p.detail = newDetailPanel(c)
	p.list = widget.NewList(
		func() int { return len(p.items) },
		func() fyne.CanvasObject { return widget.NewLabel("source · key · 0 (99%)") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.items) {
				r := p.items[i]
				text := fmt.Sprintf("%s · %s · %s (%s)", r.Source, r.SourceKey, r.Grade, pct(r.Confidence, 0))
				if r.Flagged {
					text += " · flagged"
				}
				o.(*widget.Label).SetText(text)
			}
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		if i != p.cur {
			p.cur = i
			p.pending = ""
			p.showCurrent()
		}
		if c.tabs != nil && c.tabs.Selected() == c.reviewTb {
			c.win.Canvas().Focus(p)
		}
	}
	p.counts = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.choice = widget.NewLabel("")
	p.choice.TextStyle.Bold = true
	p.choice.Wrapping = fyne.TextWrapWord
	p.keys = widget.NewLabel("")
	p.keys.Wrapping = fyne.TextWrapWord
	left := container.NewBorder(p.counts, nil, nil, nil, p.list)
	right := container.NewBorder(container.NewVBox(p.choice, p.keys), nil, nil, nil, p.detail.root)
	split := container.NewHSplit(left, right)
	split.Offset = 0.28
	p.content = split
	p.ExtendBaseWidget(p)
	p.showCurrent()
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *reviewPanel) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(p.content)
}

// FocusGained implements fyne.Focusable.
func (p *reviewPanel) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (p *reviewPanel) FocusLost() {}

// Tapped gives the panel the keyboard when clicked on a blank area.
func (p *reviewPanel) Tapped(*fyne.PointEvent) { p.c.win.Canvas().Focus(p) }

// TypedRune chooses a grade by its key, or accepts the prediction (Space).
func (p *reviewPanel) TypedRune(r rune) {
	it, ok := p.current()
	if !ok {
		return
	}
	if r == ' ' {
		p.pending = it.Grade
		p.confirm()
		return
	}
	if g, ok := gradeForKey(p.c.labelsFor(it), r); ok {
		p.pending = g
		p.showChoice()
	}
}

// TypedKey handles Enter (confirm), arrows (navigate) and Escape.
func (p *reviewPanel) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		p.confirm()
	case fyne.KeyDown, fyne.KeyRight, fyne.KeyPageDown:
		p.move(1)
	case fyne.KeyUp, fyne.KeyLeft, fyne.KeyPageUp:
		p.move(-1)
	case fyne.KeyHome:
		p.move(-len(p.items))
	case fyne.KeyEscape:
		p.pending = ""
		p.showChoice()
	}
}

// gradeForKey finds the grade typed: a label equal to the key (ignoring
// case), else the only label that starts with it.
func gradeForKey(labels []string, r rune) (string, bool) {
	key := strings.ToLower(string(r))
	var prefix []string
	for _, l := range labels {
		ll := strings.ToLower(l)
		if ll == key {
			return l, true
		}
		if strings.HasPrefix(ll, key) {
			prefix = append(prefix, l)
		}
	}
	if len(prefix) == 1 {
		return prefix[0], true
	}
	return "", false
}

func (p *reviewPanel) current() (Result, bool) {
	if p.cur < 0 || p.cur >= len(p.items) {
		return Result{}, false
	}
	return p.items[p.cur], true
}

func (p *reviewPanel) move(d int) {
	if len(p.items) == 0 {
		return
	}
	p.cur = min(max(p.cur+d, 0), len(p.items)-1)
	p.pending = ""
	p.showCurrent()
}

// confirm records the chosen grade for the current item: an acceptance
// right away, an override after asking for the reason.
func (p *reviewPanel) confirm() {
	it, ok := p.current()
	if !ok || p.reason != nil {
		return
	}
	grade := p.pending
	if grade == "" {
		grade = it.Grade
	}
	if grade == it.Final() && !it.Overridden() {
		p.save(it, grade, "Accepted prediction", "")
		return
	}
	p.askReason(it, grade)
}

// save sends the decision to the store in the background and moves on to
// the next item at once; a failure puts the item back with the error.
func (p *reviewPanel) save(it Result, grade, reason, note string) {
	if p.c.opt.Store == nil {
		p.c.showError("review", fmt.Errorf("no results database is connected"))
		return
	}
	if p.c.id.Operator == "" {
		p.c.showError("review", errOperatorEmpty)
		p.c.AskOperator()
		return
	}
	id := p.c.Identity()
	req := OverrideRequest{
		ResultID:    it.ID,
		At:          p.c.opt.Now().UTC(),
		OldGrade:    it.Final(),
		NewGrade:    grade,
		Reason:      reason,
		Note:        note,
		Operator:    id.Operator,
		OSUser:      id.OSUser,
		Workstation: id.Workstation,
		Model:       strings.TrimSpace(it.ModelName + " " + shortSHA(it.ModelSHA)),
	}
	p.saving[it.ID] = true
	// Remove the item by ID: a reload while the reason dialog was open may
	// have moved it.
	if i := slices.IndexFunc(p.items, func(r Result) bool { return r.ID == it.ID }); i >= 0 {
		p.items = slices.Delete(p.items, i, i+1)
		p.total = max(0, p.total-1)
		if i < p.cur {
			p.cur--
		}
	}
	p.cur = max(0, min(p.cur, len(p.items)-1))
	p.pending = ""
	p.list.UnselectAll()
	p.showCurrent()
	store := p.c.opt.Store
	p.c.opt.Go(func(ctx context.Context) {
		r, err := store.Override(ctx, req)
		if err != nil {
			err = fmt.Errorf("save decision on %s/%s: %w", it.Source, it.SourceKey, err)
		}
		p.c.adapter.post(overrideDone{id: it.ID, result: r, err: err})
		if err == nil {
			p.c.adapter.post(ResultUpdated{Result: r})
		}
	})
}

// overrideDone applies the store's answer to a decision.
func (p *reviewPanel) overrideDone(e overrideDone) {
	delete(p.saving, e.id)
	if e.err != nil {
		p.lastErr = e.err.Error()
		p.c.showError("review", e.err)
		p.reload()
		return
	}
	p.lastErr = ""
	p.showCounts()
}

// askReason opens the reason dialog; Enter in the note saves, Escape or
// Cancel returns to the queue without saving.
func (p *reviewPanel) askReason(it Result, grade string) {
	f := newReasonForm(p.c.opt.Reasons)
	p.reason = f
	title := fmt.Sprintf("Override %s → %s", it.Final(), grade)
	done := func(ok bool) {
		p.reason = nil
		p.reasonDl = nil
		if ok {
			p.save(it, grade, f.reason.Selected, strings.TrimSpace(f.note.Text))
		}
		p.c.win.Canvas().Focus(p)
	}
	d := dialog.NewCustomConfirm(title, "Save override", "Cancel", f.root, done, p.c.win)
	f.note.OnSubmitted = func(string) {
		if f.valid() {
			d.Confirm()
		}
	}
	f.note.onEscape = d.Hide
	p.reasonDl = d
	d.Resize(fyne.NewSize(420, 260))
	d.Show()
	p.c.win.Canvas().Focus(f.note)
}

// reasonForm is the content of the override reason dialog.
type reasonForm struct {
	root   fyne.CanvasObject
	reason *widget.Select
	note   *noteEntry
}

// noteEntry is the reason dialog's note field: Enter saves (OnSubmitted),
// Escape cancels.
type noteEntry struct {
	widget.Entry
	onEscape func()
}

func newNoteEntry() *noteEntry {
	e := &noteEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey cancels the dialog on Escape and edits the note otherwise.
func (e *noteEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

func newReasonForm(reasons []string) *reasonForm {
	f := &reasonForm{}
	f.reason = widget.NewSelect(reasons, nil)
	f.reason.SetSelectedIndex(0)
	f.note = newNoteEntry()
	f.note.SetPlaceHolder("Note (optional), Enter to save")
	f.root = container.NewVBox(widget.NewLabel("Reason"), f.reason, widget.NewLabel("Note"), f.note)
	return f
}

func (f *reasonForm) valid() bool { return f.reason.Selected != "" }

// reload fetches the queue from the store in the background.
func (p *reviewPanel) reload() {
	if p.c.opt.Store == nil || p.loading {
		return
	}
	p.loading = true
	store, th := p.c.opt.Store, p.c.opt.ReviewThreshold
	p.c.opt.Go(func(ctx context.Context) {
		items, total, err := store.ReviewQueue(ctx, th, 500)
		p.c.adapter.post(reviewLoaded{items: items, total: total, err: err})
	})
}

// newLowConfidence is called when scans that need review arrive.
func (p *reviewPanel) newLowConfidence() {
	if len(p.items) < 50 {
		p.reload()
		return
	}
	p.total++ // the list is long enough; refresh the count cheaply
	p.showCounts()
}

// loaded replaces the queue, keeping the current item if it is still there.
func (p *reviewPanel) loaded(e reviewLoaded) {
	p.loading = false
	if e.err != nil {
		p.lastErr = "Could not load the review queue: " + e.err.Error()
		p.showCounts()
		return
	}
	p.lastErr = ""
	curID := int64(-1)
	if it, ok := p.current(); ok {
		curID = it.ID
	}
	p.items = p.items[:0]
	for _, r := range e.items {
		if !p.saving[r.ID] {
			p.items = append(p.items, r)
		}
	}
	p.total = max(e.total-len(p.saving), len(p.items))
	p.cur = 0
	for i, r := range p.items {
		if r.ID == curID {
			p.cur = i
		}
	}
	if curID != -1 {
		if it, ok := p.current(); !ok || it.ID != curID {
			p.pending = ""
		}
	}
	p.showCurrent()
}

// showCurrent shows the current item in the detail and list.
func (p *reviewPanel) showCurrent() {
	p.list.Refresh()
	p.showCounts()
	it, ok := p.current()
	if !ok {
		p.detail.clear()
		p.showChoice()
		return
	}
	p.list.Select(p.cur)
	// Select does not scroll when the row is already selected, and a list
	// laid out while its tab was hidden can be scrolled past it.
	p.list.ScrollTo(p.cur)
	p.detail.show(it)
	p.showChoice()
}

func (p *reviewPanel) showCounts() {
	text := fmt.Sprintf("%d to review (below %.0f%% or flagged), oldest first", p.total, 100*p.c.opt.ReviewThreshold)
	if p.lastErr != "" {
		text += "\n" + p.lastErr
	}
	p.counts.SetText(text)
	if p.c.reviewTb != nil {
		p.c.reviewTb.Text = fmt.Sprintf("Review (%d)", p.total)
		p.c.tabs.Refresh()
	}
}

func (p *reviewPanel) showChoice() {
	it, ok := p.current()
	if !ok {
		p.choice.SetText("Nothing to review.")
		p.keys.SetText("")
		return
	}
	switch {
	case p.pending == "":
		p.choice.SetText(fmt.Sprintf("Item %d of %d. Model says %s (%s). Type a grade, or Space to accept.", p.cur+1, len(p.items), it.Final(), pct(it.Confidence, 1)))
	case p.pending == it.Final():
		p.choice.SetText(fmt.Sprintf("Item %d of %d. Keep %s: press Enter.", p.cur+1, len(p.items), p.pending))
	default:
		p.choice.SetText(fmt.Sprintf("Item %d of %d. Change %s → %s: press Enter and give a reason.", p.cur+1, len(p.items), it.Final(), p.pending))
	}
	var keys []string
	for _, l := range p.c.labelsFor(it) {
		keys = append(keys, l)
	}
	p.keys.SetText("Keys: " + keyHint(keys) + " set the grade · Enter confirm · Space accept · ↑/↓ move · Esc clear · Alt+1…5 screens")
}

// keyHint shows the keys for the labels: the label itself when it is one
// character, else its first letter.
func keyHint(labels []string) string {
	var out []string
	for _, l := range labels {
		if len([]rune(l)) == 1 {
			out = append(out, l)
			continue
		}
		r := []rune(l)[0]
		out = append(out, fmt.Sprintf("%c=%s", unicode.ToUpper(r), l))
	}
	return strings.Join(out, " ")
}
