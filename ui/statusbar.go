package ui

import (
	"fmt"
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusBar shows every source's state, the model, the database and the
// operator along the bottom of the window, plus the latest notice.
type statusBar struct {
	c    *Console
	root fyne.CanvasObject

	sources  map[string]SourceStatus
	names    []string
	srcBox   *fyne.Container
	model    *widget.Label
	modelSHA string
	db       *widget.Label
	dbDot    *canvas.Circle
	dbUp     bool
	dbKnown  bool
	operator *widget.Button
	notice   *widget.Label
	noticeBg *canvas.Rectangle
	noticeAt time.Time
	noticeBx *fyne.Container
}

// noticeTime is how long a notice stays in the status bar.
const noticeTime = 30 * time.Second

func newStatusBar(c *Console) *statusBar {
	s := &statusBar{c: c, sources: map[string]SourceStatus{}}
	s.srcBox = container.NewVBox(widget.NewLabel("No sources yet"))
	s.model = widget.NewLabel("Model: —")
	s.db = widget.NewLabel("Database: —")
	s.dbDot = canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	s.operator = widget.NewButtonWithIcon("", theme.AccountIcon(), c.AskOperator)
	s.operator.Importance = widget.LowImportance
	s.setOperator(c.id.Operator)
	s.notice = widget.NewLabel("")
	s.notice.Truncation = fyne.TextTruncateEllipsis
	s.noticeBg = canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	s.noticeBg.CornerRadius = 4
	dismiss := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.noticeBx.Hide() })
	dismiss.Importance = widget.LowImportance
	s.noticeBx = container.NewStack(s.noticeBg, container.NewBorder(nil, nil, nil, dismiss, s.notice))
	s.noticeBx.Hide()
	themeBtn := widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), c.ToggleTheme)
	themeBtn.Importance = widget.LowImportance
	right := container.NewHBox(dot(s.dbDot), s.db, widget.NewSeparator(), s.model, widget.NewSeparator(), s.operator, themeBtn)
	row := container.NewBorder(nil, nil, nil, container.NewVBox(right), s.srcBox)
	s.root = container.NewVBox(s.noticeBx, widget.NewSeparator(), row)
	return s
}

// dot wraps a status circle at a fixed size.
func dot(c *canvas.Circle) fyne.CanvasObject {
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), c))
}

func (s *statusBar) setOperator(name string) {
	if name == "" {
		s.operator.SetText("Operator: — (click to start shift)")
		return
	}
	s.operator.SetText("Operator: " + name)
}

// setSource records a source's state; drawSources shows it (once per
// batch, however many statuses the batch held).
func (s *statusBar) setSource(st SourceStatus) {
	old, seen := s.sources[st.Source]
	s.sources[st.Source] = st
	if !seen {
		s.names = append(s.names, st.Source)
		slices.Sort(s.names)
	}
	if seen && old.State != SourceError && st.State == SourceError {
		s.notify(fmt.Sprintf("Source %s: %s", st.Source, orDash(st.Err)))
	}
}

func (s *statusBar) drawSources() {
	objs := make([]fyne.CanvasObject, 0, len(s.names))
	now := s.c.opt.Now()
	for _, n := range s.names {
		st := s.sources[n]
		c := canvas.NewCircle(stateColor(st.State))
		text := fmt.Sprintf("%s %s", n, st.State)
		if !st.LastPoll.IsZero() {
			text += " · last " + st.LastPoll.Local().Format("15:04:05")
		}
		if !st.NextPoll.IsZero() {
			text += " · next " + untilText(st.NextPoll.Sub(now))
		}
		text += fmt.Sprintf(" · pending %d", st.Pending)
		if st.Pending > 0 && st.OldestPending > 0 {
			text += " (oldest " + ageText(st.OldestPending) + ")"
		}
		text += fmt.Sprintf(" · %.0f/min", st.PerMinute)
		if st.Rejected > 0 {
			text += fmt.Sprintf(" · %d rejected", st.Rejected)
		}
		l := widget.NewLabel(text)
		l.Truncation = fyne.TextTruncateEllipsis
		if st.Err != "" && st.State == SourceError {
			l.SetText(text + " · " + st.Err)
			l.Importance = widget.DangerImportance
		}
		objs = append(objs, container.NewBorder(nil, nil, dot(c), nil, l))
	}
	if len(objs) == 0 {
		objs = append(objs, widget.NewLabel("No sources yet"))
	}
	s.srcBox.Objects = objs
	s.srcBox.Refresh()
}

func stateColor(st SourceState) color.Color {
	switch st {
	case SourceOK, SourcePolling:
		return theme.Color(theme.ColorNameSuccess)
	case SourceError:
		return theme.Color(theme.ColorNameError)
	default:
		return theme.Color(theme.ColorNameDisabled)
	}
}

func untilText(d time.Duration) string {
	if d <= 0 {
		return "now"
	}
	return "in " + ageText(d)
}

// ageText writes a duration for people: 45s, 12m, 3h05m.
func ageText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

// setModel shows the running model and tells the operator when it changes
// or a new model file is refused.
func (s *statusBar) setModel(m ModelChanged) {
	if m.Err != "" {
		if s.modelSHA == "" {
			s.model.SetText("Model: none, grading waits")
			s.notify("No model is loaded, grading waits for a valid model file: " + m.Err)
			return
		}
		s.notify("Model file refused, the running model stays: " + m.Err)
		return
	}
	s.model.SetText(fmt.Sprintf("Model: %s · %s", orDash(m.Name), shortSHA(m.SHA256)))
	if s.modelSHA != "" && s.modelSHA != m.SHA256 {
		s.notify(fmt.Sprintf("Model changed to %s (%s)", m.Name, shortSHA(m.SHA256)))
	}
	s.modelSHA = m.SHA256
}

// setDatabase shows the database state and tells the operator when it
// drops or comes back.
func (s *statusBar) setDatabase(d DatabaseState) {
	was, known := s.dbUp, s.dbKnown
	s.dbUp, s.dbKnown = d.Connected, true
	if d.Connected {
		s.db.SetText("Database connected")
		s.dbDot.FillColor = theme.Color(theme.ColorNameSuccess)
	} else {
		s.db.SetText("Database DOWN")
		s.dbDot.FillColor = theme.Color(theme.ColorNameError)
	}
	s.dbDot.Refresh()
	switch {
	case (!known || was) && !d.Connected:
		s.notify("Database connection lost: " + orDash(d.Err) + ". Grading resumes when it is back.")
	case known && !was && d.Connected:
		s.notify("Database connection restored.")
	}
}

// notify shows a notice in the status bar and as a desktop notification.
func (s *statusBar) notify(text string) {
	s.notice.SetText(text)
	s.noticeAt = s.c.opt.Now()
	s.noticeBx.Show()
	if s.c.app != nil {
		s.c.app.SendNotification(fyne.NewNotification("Gradewatch", text))
	}
}

// tick refreshes relative times and hides an old notice.
func (s *statusBar) tick() {
	if len(s.names) > 0 {
		s.drawSources()
	}
	if s.noticeBx.Visible() && s.c.opt.Now().Sub(s.noticeAt) > noticeTime {
		s.noticeBx.Hide()
	}
}
