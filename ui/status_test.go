package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestStatusBar(t *testing.T) {
	time.Local = time.UTC
	e := newTestEnv(t, fyne.NewSize(1280, 720))
	now := t0.Add(time.Hour)
	e.post(
		SourceStatus{Source: "line-b", State: SourceOK, LastPoll: now.Add(-2 * time.Second), NextPoll: now.Add(8 * time.Second), PerMinute: 30, Rejected: 2},
		SourceStatus{Source: "line-a", State: SourceOK, LastPoll: now.Add(-time.Second), NextPoll: now.Add(4 * time.Second), Pending: 120, OldestPending: 3*time.Minute + 5*time.Second, PerMinute: 58},
		ModelChanged{Name: "mnist-8", SHA256: "2f06e72a0b8c4a3f", Labels: digits},
		DatabaseState{Connected: true},
	)
	s := e.c.status
	if s.noticeBx.Visible() {
		t.Errorf("notice shown at start: %q", s.notice.Text)
	}
	test.AssertObjectRendersToMarkup(t, "statusbar.xml", s.root)

	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"model swapped", ModelChanged{Name: "mnist-8b", SHA256: "99aa77bb00112233", Labels: digits}, "Model changed to mnist-8b (99aa77bb)"},
		{"model refused", ModelChanged{Err: "load model new.onnx: unsupported op Foo"}, "Model file refused, the running model stays: load model new.onnx: unsupported op Foo"},
		{"database down", DatabaseState{Err: "dial tcp: connection refused"}, "Database connection lost: dial tcp: connection refused"},
		{"database back", DatabaseState{Connected: true}, "Database connection restored."},
		{"source fails", SourceStatus{Source: "line-a", State: SourceError, Err: "table scans_a does not exist"}, "Source line-a: table scans_a does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.noticeBx.Hide()
			e.post(tt.ev)
			if !s.noticeBx.Visible() || !strings.HasPrefix(s.notice.Text, tt.want) {
				t.Errorf("notice = %q (visible %v); want %q", s.notice.Text, s.noticeBx.Visible(), tt.want)
			}
		})
	}
	if got := s.model.Text; got != "Model: mnist-8b · 99aa77bb" {
		t.Errorf("model label = %q; want %q (a refused file keeps the running model)", got, "Model: mnist-8b · 99aa77bb")
	}
}

func TestStatusBarWithoutModel(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(1280, 720))
	e.post(ModelChanged{Err: "load model model/mnist-8.onnx: file does not exist"})
	s := e.c.status
	if s.model.Text != "Model: none, grading waits" || !strings.HasPrefix(s.notice.Text, "No model is loaded") {
		t.Errorf("model %q, notice %q; want no model and a notice saying grading waits", s.model.Text, s.notice.Text)
	}
	e.post(ModelChanged{Name: "mnist-8", SHA256: "2f06e72a0b8c", Labels: digits})
	if s.model.Text != "Model: mnist-8 · 2f06e72a" {
		t.Errorf("model after loading = %q", s.model.Text)
	}
}

func TestScreenShortcuts(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(1280, 720))
	for i, want := range []string{"Live", "Review", "Dashboard", "Ad hoc", "Settings"} {
		key := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5}[i]
		sc := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierAlt}
		e.w.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(sc)
		if got := e.c.tabs.Selected().Text; !strings.HasPrefix(got, want) {
			t.Errorf("Alt+%d shows %q; want %q", i+1, got, want)
		}
	}
}

func TestAgeText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1499 * time.Millisecond, "1s"},
		{59 * time.Second, "59s"},
		{3*time.Minute + 5*time.Second, "3m"},
		{2*time.Hour + 5*time.Minute, "2h05m"},
	}
	for _, tt := range tests {
		if got := ageText(tt.d); got != tt.want {
			t.Errorf("ageText(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestThemeToggleAndWindowSize(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(800, 600))
	a := e.c.app
	a.Preferences().SetString(prefTheme, "dark")
	e.c.ToggleTheme()
	if got := a.Preferences().String(prefTheme); got != "light" {
		t.Errorf("theme preference after toggle = %q; want light", got)
	}
	if got := a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantDark); got != theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight) {
		t.Errorf("background after toggle to light = %v; want the light background", got)
	}
	e.c.ToggleTheme()
	if got := a.Preferences().String(prefTheme); got != "dark" {
		t.Errorf("theme preference after second toggle = %q; want dark", got)
	}

	a.Preferences().SetFloat(prefWidth, 1024)
	a.Preferences().SetFloat(prefHeight, 700)
	w := test.NewWindow(nil) // closed by the test itself
	RestoreWindow(a, w)
	if got := w.Canvas().Size(); got != fyne.NewSize(1024, 700) {
		t.Errorf("restored size = %v; want 1024x700", got)
	}
	w.Resize(fyne.NewSize(900, 650))
	w.Close()
	if gw, gh := a.Preferences().Float(prefWidth), a.Preferences().Float(prefHeight); gw != 900 || gh != 650 {
		t.Errorf("saved size = %vx%v; want 900x650", gw, gh)
	}
}

func TestOperatorRequiredForOverride(t *testing.T) {
	e := openReview(t)
	e.c.id.Operator = ""
	test.Type(e.c.review, " ")
	e.q.drain()
	if n := len(e.store.auditRows()); n != 0 {
		t.Fatalf("saved %d audit rows without an operator; want 0", n)
	}
	if e.c.operatorForm == nil {
		t.Fatal("no shift start dialog was shown")
	}
	test.Type(e.c.operatorEntry, "Grace Hopper")
	e.c.operatorForm.Submit()
	if got := e.c.Identity().Operator; got != "Grace Hopper" {
		t.Errorf("operator = %q; want Grace Hopper", got)
	}
	if got := e.c.app.Preferences().String(prefOperator); got != "Grace Hopper" {
		t.Errorf("remembered operator = %q; want Grace Hopper", got)
	}
	test.Type(e.c.review, " ")
	e.q.drain()
	if rows := e.store.auditRows(); len(rows) != 1 || rows[0].Operator != "Grace Hopper" {
		t.Errorf("audit rows = %+v; want one by Grace Hopper", rows)
	}
}
