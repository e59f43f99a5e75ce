package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// SourceSetting is the part of a source's configuration that the console
// edits. Interval applies from the next poll; the other fields at the
// next start.
type SourceSetting struct {
	Name      string // identifies the source, not edited
	CopyOf    string // for a source added in the console: the source it copies (columns, metadata, points table)
	Details   string // a one-line description, shown, not edited
	Table     string
	Key       string
	Mode      string // "key", "rowversion" or "claim"
	Layout    string // "blob", "image", "text" or "points"
	DType     string // element type of a blob, "" for other layouts
	Width     int    // 0 with Height 0: size from each scan (image, text)
	Height    int
	Interval  time.Duration
	BatchSize int    // 0: the default
	Norm      string // "min-max" (or "" for it), "fixed" or "z-score"
	NormMin   *float64
	NormMax   *float64 // the "fixed" range
	Disabled  bool
}

// SettingsValues are the settings the console shows and edits.
type SettingsValues struct {
	Sources         []SourceSetting
	ReviewThreshold float32
	ImageFolder     string
	ModelPath       string
	Database        string // a description of the connection, never a password
}

// ErrSavedNotApplied is wrapped by a SaveSettings error when the settings
// were saved but could not all be applied while running.
var ErrSavedNotApplied = errors.New("saved, not applied yet")

// SettingsService reads and changes the running configuration.
type SettingsService interface {
	// Settings returns the current values.
	Settings(ctx context.Context) (SettingsValues, error)
	// SaveSettings validates and applies v: intervals take effect on the
	// next poll cycle, without a restart.
	SaveSettings(ctx context.Context, v SettingsValues) error
	// TestConnection opens and pings the database.
	TestConnection(ctx context.Context) error
	// CheckModel validates a model file without putting it into service.
	CheckModel(ctx context.Context, path string) (name string, sha256 string, err error)
	// CheckSource checks a source, as edited, against the database: the
	// table and columns exist; it returns a short report such as the
	// pending count.
	CheckSource(ctx context.Context, s SourceSetting) (string, error)
	// RestorePreviousModel swaps the model that ran before the current one
	// back in.
	RestorePreviousModel(ctx context.Context) error
	// PINRequired reports whether settings are behind a supervisor PIN;
	// CheckPIN compares a PIN with the stored hash.
	PINRequired() bool
	CheckPIN(pin string) bool
}

// settingsDone carries the outcome of a settings action back to the Fyne
// goroutine.
type settingsDone struct {
	action string // "load", "save", "test", "check", "restore"
	values SettingsValues
	text   string
	err    error
}

func (settingsDone) event() {}

// settingsView is the settings screen, behind the supervisor PIN.
type settingsView struct {
	c        *Console
	svc      SettingsService
	root     *fyne.Container
	unlocked bool

	pin       *widget.Entry
	pinMsg    *widget.Label
	values    SettingsValues
	sources   []*sourceEditor
	body      *fyne.Container   // the scrolled form
	addRow    fyne.CanvasObject // adds a source: name, copy of, button
	newName   *widget.Entry
	copyOf    *widget.Select
	addMsg    *widget.Label
	intervals []*widget.Entry // the sources' interval entries
	threshold *widget.Entry
	images    *widget.Entry
	model     *widget.Entry
	modelMsg  *widget.Label
	dbMsg     *widget.Label
	saveMsg   *widget.Label
}

func newSettingsView(c *Console) *settingsView {
	v := &settingsView{c: c, svc: c.opt.Settings, root: container.NewStack()}
	if v.svc == nil {
		l := widget.NewLabel("Settings are not available: the console runs without a configuration service.")
		l.Wrapping = fyne.TextWrapWord
		v.root.Objects = []fyne.CanvasObject{container.NewPadded(l)}
		return v
	}
	if v.svc.PINRequired() {
		v.showLock()
	} else {
		v.unlock()
	}
	return v
}

// showLock asks for the supervisor PIN.
func (v *settingsView) showLock() {
	v.unlocked = false
	v.pin = widget.NewPasswordEntry()
	v.pin.SetPlaceHolder("Supervisor PIN")
	v.pinMsg = widget.NewLabel("")
	try := func() {
		if v.svc.CheckPIN(v.pin.Text) {
			v.unlock()
			return
		}
		v.pin.SetText("")
		v.pinMsg.SetText("Wrong PIN.")
	}
	v.pin.OnSubmitted = func(string) { try() }
	btn := widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), try)
	form := container.NewVBox(widget.NewLabelWithStyle("Settings are locked", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		v.pin, btn, v.pinMsg)
	v.root.Objects = []fyne.CanvasObject{container.NewCenter(container.NewGridWrap(fyne.NewSize(320, 180), form))}
	v.root.Refresh()
}

// unlock loads the settings and shows the form.
func (v *settingsView) unlock() {
	v.unlocked = true
	v.root.Objects = []fyne.CanvasObject{container.NewPadded(widget.NewLabel("Loading settings…"))}
	v.root.Refresh()
	v.run("load", func(ctx context.Context) settingsDone {
		vals, err := v.svc.Settings(ctx)
		return settingsDone{values: vals, err: err}
	})
}

// run does a settings action in the background and posts its outcome.
func (v *settingsView) run(action string, f func(ctx context.Context) settingsDone) {
	v.c.opt.Go(func(ctx context.Context) {
		d := f(ctx)
		d.action = action
		v.c.adapter.post(d)
	})
}

func (v *settingsView) done(d settingsDone) {
	switch d.action {
	case "load":
		if d.err != nil {
			v.root.Objects = []fyne.CanvasObject{container.NewPadded(widget.NewLabel("Could not read the settings: " + d.err.Error()))}
			v.root.Refresh()
			return
		}
		v.values = d.values
		v.showForm()
	case "save":
		if errors.Is(d.err, ErrSavedNotApplied) {
			v.values = d.values
			v.saveMsg.SetText(d.err.Error())
			return
		}
		if d.err != nil {
			v.saveMsg.SetText("Not saved: " + d.err.Error())
			return
		}
		v.values = d.values
		v.c.setReviewThreshold(d.values.ReviewThreshold)
		v.saveMsg.SetText("Saved " + v.c.opt.Now().Local().Format("15:04:05") + ". Intervals apply from the next poll; a new image folder from the next start." + d.text)
	case "test":
		v.dbMsg.SetText(resultText(d, "Connection OK."))
	case "check", "restore":
		v.modelMsg.SetText(resultText(d, d.text))
	}
}

func resultText(d settingsDone, ok string) string {
	if d.err != nil {
		return d.err.Error()
	}
	return ok
}

// showForm builds the settings form from v.values.
func (v *settingsView) showForm() {
	vals := v.values
	v.sources, v.intervals = nil, nil
	srcBox := container.NewVBox()
	for _, s := range vals.Sources {
		v.addEditor(srcBox, s)
	}
	srcBox.Add(v.newSourceRow(srcBox))
	v.threshold = widget.NewEntry()
	v.threshold.SetText(strconv.FormatFloat(float64(vals.ReviewThreshold), 'f', -1, 32))
	v.threshold.Validator = func(t string) error { _, err := parseThreshold(t); return err }
	v.images = widget.NewEntry()
	v.images.SetText(vals.ImageFolder)
	v.model = widget.NewEntry()
	v.model.SetText(vals.ModelPath)
	v.modelMsg = widget.NewLabel("")
	v.modelMsg.Wrapping = fyne.TextWrapWord
	v.dbMsg = widget.NewLabel("")
	v.dbMsg.Wrapping = fyne.TextWrapWord
	v.saveMsg = widget.NewLabel("")
	v.saveMsg.Wrapping = fyne.TextWrapWord

	browseImages := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				v.images.SetText(u.Path())
			}
		}, v.c.win)
	})
	browseModel := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(u fyne.URIReadCloser, err error) {
			if err == nil && u != nil {
				u.Close()
				v.model.SetText(u.URI().Path())
			}
		}, v.c.win)
	})
	check := widget.NewButtonWithIcon("Validate", theme.ConfirmIcon(), func() {
		path := v.model.Text
		v.modelMsg.SetText("Validating " + path + "…")
		v.run("check", func(ctx context.Context) settingsDone {
			name, sha, err := v.svc.CheckModel(ctx, path)
			return settingsDone{text: fmt.Sprintf("Valid: %s · %s. Save to put it into service.", name, shortSHA(sha)), err: err}
		})
	})
	restore := widget.NewButtonWithIcon("Restore previous model", theme.HistoryIcon(), func() {
		v.run("restore", func(ctx context.Context) settingsDone {
			return settingsDone{text: "Previous model restored.", err: v.svc.RestorePreviousModel(ctx)}
		})
	})
	test := widget.NewButtonWithIcon("Test connection", theme.ComputerIcon(), func() {
		v.dbMsg.SetText("Connecting…")
		v.run("test", func(ctx context.Context) settingsDone {
			return settingsDone{err: v.svc.TestConnection(ctx)}
		})
	})
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), v.save)
	save.Importance = widget.HighImportance
	lock := widget.NewButtonWithIcon("Lock", theme.LogoutIcon(), v.showLock)
	if !v.svc.PINRequired() {
		lock.Hide()
	}

	general := widget.NewForm(
		widget.NewFormItem("Review below confidence", v.threshold),
		widget.NewFormItem("Image folder", container.NewBorder(nil, nil, nil, browseImages, v.images)),
		widget.NewFormItem("Model file", container.NewBorder(nil, nil, nil, container.NewHBox(browseModel, check), v.model)),
		widget.NewFormItem("", container.NewVBox(container.NewHBox(restore), v.modelMsg)),
		widget.NewFormItem("Database", container.NewVBox(widget.NewLabel(vals.Database), container.NewHBox(test), v.dbMsg)),
	)
	body := container.NewVBox(
		widget.NewCard("Sources", "Poll intervals take effect from the next poll, without a restart. Other source changes are saved and apply at the next start of Gradewatch.", srcBox),
		widget.NewCard("Grading", "", general),
		container.NewHBox(save, lock), v.saveMsg,
	)
	v.body = body
	v.root.Objects = []fyne.CanvasObject{container.NewVScroll(body)}
	v.root.Refresh()
}

// save validates the form and saves it in the background.
func (v *settingsView) save() {
	next := v.values
	next.Sources = make([]SourceSetting, len(v.sources))
	restart := false
	for i, ed := range v.sources {
		src, err := ed.read()
		if err != nil {
			v.saveMsg.SetText("Not saved: " + err.Error())
			return
		}
		next.Sources[i] = src
		restart = restart || src.CopyOf != "" || needsRestart(ed.orig, src)
	}
	th, err := parseThreshold(v.threshold.Text)
	if err != nil {
		v.saveMsg.SetText("Not saved: review threshold: " + err.Error())
		return
	}
	next.ReviewThreshold = th
	next.ImageFolder = strings.TrimSpace(v.images.Text)
	next.ModelPath = strings.TrimSpace(v.model.Text)
	v.saveMsg.SetText("Saving…")
	v.run("save", func(ctx context.Context) settingsDone {
		d := settingsDone{values: next, err: v.svc.SaveSettings(ctx, next)}
		if restart {
			d.text = " Source changes other than the interval apply when Gradewatch is next started."
		}
		return d
	})
}

// parseInterval reads a poll interval such as "10s" or "2m".
func parseInterval(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 100*time.Millisecond || d > 24*time.Hour {
		return 0, fmt.Errorf("interval %q: write a duration between 100ms and 24h, such as 10s or 2m", s)
	}
	return d, nil
}

// parseThreshold reads a confidence threshold as 0.8 or 80%.
func parseThreshold(s string) (float32, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 32)
	if err == nil && (pct || f > 1) {
		f /= 100
	}
	if err != nil || !(f > 0 && f <= 1) {
		return 0, fmt.Errorf("threshold %q: write a confidence between 0 and 1 (0.8) or a percentage (80%%)", s)
	}
	return float32(f), nil
}

// setReviewThreshold applies a new review threshold at once.
func (c *Console) setReviewThreshold(t float32) {
	if t <= 0 || t == c.opt.ReviewThreshold {
		return
	}
	c.opt.ReviewThreshold = t
	c.review.reload()
	c.live.refresh()
}
