package console

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/ui"
)

// TestDashboardYieldOnSQLite shows the dashboard of a console built by
// consoleOptions from a configuration with review.pass_grades, over a
// SQLite store holding three results with final grades 3, 5 and 8, all
// graded just now. The shift starts when the console does, after the
// results were written, so the test reads the "Today" card.
func TestDashboardYieldOnSQLite(t *testing.T) {
	tests := []struct {
		name string
		pass []string
		want string
	}{
		{"no pass grades: hint names the field", nil, "Yield: — (set review.pass_grades in config.json to see yield)"},
		{"two of three pass", []string{"5", "8"}, "Yield: 66.7% (pass: 5, 8)"},
		{"one of three passes", []string{"3"}, "Yield: 33.3% (pass: 3)"},
		{"pass grade nobody got", []string{"ok"}, "Yield: 0.0% (pass: ok)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := openTestStore(t)
			dir := t.TempDir()
			cfg := config.Default(dir)
			cfg.Review.PassGrades = tc.pass
			ws := &workspace.Workspace{ConfigPath: filepath.Join(dir, "config.json"), Config: cfg, Store: st, Models: &workspace.Models{}}
			a := test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			j := &jobs{}
			opt := consoleOptions(ws, j.Go)
			opt.FrameInterval = -1
			c := ui.New(a, w, opt)
			w.SetContent(c.Content())
			w.Resize(fyne.NewSize(1280, 800))
			tabs := findTabs(c.Content())
			if tabs == nil {
				t.Fatal("no tabs in the console")
			}
			tabs.SelectIndex(2) // Dashboard
			j.drain()
			today := labelWith(tabs.Items[2].Content, "Scans: 3")
			if today == "" {
				t.Fatalf("no dashboard card says Scans: 3; labels %q", labels(tabs.Items[2].Content))
			}
			if !strings.Contains(today, tc.want) {
				t.Errorf("today's card = %q; want it to contain %q", today, tc.want)
			}
		})
	}
}

func findTabs(o fyne.CanvasObject) *container.AppTabs {
	if t, ok := o.(*container.AppTabs); ok {
		return t
	}
	for _, ch := range children(o) {
		if t := findTabs(ch); t != nil {
			return t
		}
	}
	return nil
}

func labelWith(o fyne.CanvasObject, part string) string {
	for _, l := range labels(o) {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

// labels lists the texts of the labels under o.
func labels(o fyne.CanvasObject) []string {
	if l, ok := o.(*widget.Label); ok {
		return []string{l.Text}
	}
	var out []string
	for _, ch := range children(o) {
		out = append(out, labels(ch)...)
	}
	return out
}

func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch o := o.(type) {
	case *fyne.Container:
		return o.Objects
	case *container.Scroll:
		return []fyne.CanvasObject{o.Content}
	case *widget.Card:
		return []fyne.CanvasObject{o.Content}
	case *container.AppTabs:
		var out []fyne.CanvasObject
		for _, it := range o.Items {
			out = append(out, it.Content)
		}
		return out
	}
	return nil
}
