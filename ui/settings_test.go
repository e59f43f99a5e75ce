package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/google/go-cmp/cmp"
)

type fakeSettings struct {
	vals     SettingsValues
	saved    []SettingsValues
	pin      string
	connErr  error
	restored int
	checked  []SourceSetting
	saveErr  error
}

func (f *fakeSettings) Settings(context.Context) (SettingsValues, error) { return f.vals, nil }
func (f *fakeSettings) SaveSettings(_ context.Context, v SettingsValues) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	f.saved = append(f.saved, v)
	f.vals = v
	return nil
}
func (f *fakeSettings) TestConnection(context.Context) error { return f.connErr }
func (f *fakeSettings) CheckModel(_ context.Context, path string) (string, string, error) {
	if !strings.HasSuffix(path, ".onnx") {
		return "", "", errors.New("load model " + path + ": not an ONNX file")
	}
	return "mnist-8", "2f06e72a0b8c", nil
}
func (f *fakeSettings) CheckSource(_ context.Context, s SourceSetting) (string, error) {
	f.checked = append(f.checked, s)
	if s.Table != "scans_a" {
		return "", errors.New("source " + s.Name + ": table " + s.Table + " not found; check the table name")
	}
	return "OK: table scans_a readable, 3 scans pending.", nil
}
func (f *fakeSettings) RestorePreviousModel(context.Context) error { f.restored++; return nil }
func (f *fakeSettings) PINRequired() bool                          { return f.pin != "" }
func (f *fakeSettings) CheckPIN(pin string) bool                   { return pin == f.pin }

func newSettingsEnv(t *testing.T, svc *fakeSettings) *testEnv {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	q := &queue{}
	c := New(a, w, Options{Settings: svc, Identity: Identity{Operator: "Ada"}, Go: q.Go, FrameInterval: -1,
		Now: func() time.Time { return t0 }})
	w.SetContent(c.Content())
	w.Resize(fyne.NewSize(1280, 800))
	q.drain()
	return &testEnv{c: c, w: w, q: q}
}

func TestSettingsBehindPIN(t *testing.T) {
	svc := &fakeSettings{pin: "4711", vals: SettingsValues{
		Sources:         []SourceSetting{{Name: "line-a", Table: "scans_a", Details: "key id · key mode · blob uint8, 28×28", Interval: 10 * time.Second}},
		ReviewThreshold: 0.8, ImageFolder: "images", ModelPath: "mnist-8.onnx", Database: "sqlite, gradewatch.db",
	}}
	e := newSettingsEnv(t, svc)
	v := e.c.settings
	if v.unlocked {
		t.Fatal("settings open without the PIN")
	}
	test.Type(v.pin, "1234")
	v.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if v.unlocked || v.pinMsg.Text != "Wrong PIN." {
		t.Fatalf("wrong PIN: unlocked %v, message %q; want locked, Wrong PIN.", v.unlocked, v.pinMsg.Text)
	}
	test.Type(v.pin, "4711")
	v.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.q.drain()
	if !v.unlocked || len(v.intervals) != 1 {
		t.Fatalf("right PIN: unlocked %v with %d interval fields; want unlocked with 1", v.unlocked, len(v.intervals))
	}
	e.c.tabs.SelectIndex(4)
	test.AssertRendersToMarkup(t, "settings.xml", e.w.Canvas())

	// A bad interval is refused with a message naming it, nothing saved.
	v.intervals[0].SetText("soon")
	v.save()
	e.q.drain()
	if len(svc.saved) != 0 || !strings.Contains(v.saveMsg.Text, "line-a") {
		t.Errorf("bad interval: saved %d, message %q; want nothing saved and line-a named", len(svc.saved), v.saveMsg.Text)
	}

	v.intervals[0].SetText("2s")
	v.threshold.SetText("65%")
	v.save()
	e.q.drain()
	if len(svc.saved) != 1 {
		t.Fatalf("saved %d times; want 1", len(svc.saved))
	}
	got := svc.saved[0]
	if got.Sources[0].Interval != 2*time.Second || got.ReviewThreshold != 0.65 {
		t.Errorf("saved interval %v threshold %v; want 2s 0.65", got.Sources[0].Interval, got.ReviewThreshold)
	}
	if e.c.opt.ReviewThreshold != 0.65 {
		t.Errorf("console threshold = %v; want 0.65 applied at once", e.c.opt.ReviewThreshold)
	}

	svc.connErr = errors.New("login failed for user 'gw'")
	test.Tap(findButton(t, v.root, "Test connection"))
	e.q.drain()
	if v.dbMsg.Text != "login failed for user 'gw'" {
		t.Errorf("test connection message = %q; want the error", v.dbMsg.Text)
	}
	v.model.SetText("notes.txt")
	test.Tap(findButton(t, v.root, "Validate"))
	e.q.drain()
	if !strings.Contains(v.modelMsg.Text, "not an ONNX file") {
		t.Errorf("validate message = %q; want the refusal", v.modelMsg.Text)
	}
	test.Tap(findButton(t, v.root, "Restore previous model"))
	e.q.drain()
	if svc.restored != 1 || v.modelMsg.Text != "Previous model restored." {
		t.Errorf("restore: %d calls, message %q", svc.restored, v.modelMsg.Text)
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in   string
		want float32
		ok   bool
	}{
		{"0.8", 0.8, true},
		{"80%", 0.8, true},
		{"80", 0.8, true},
		{"1", 1, true},
		{"0", 0, false},
		{"150%", 0, false},
		{"abc", 0, false},
		{"NaN", 0, false},
	}
	for _, tt := range tests {
		got, err := parseThreshold(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseThreshold(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// findButton finds a button by its text below o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.TempWidgetRenderer(t, x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

func TestSettingsEditSource(t *testing.T) {
	base := func() SourceSetting {
		return SourceSetting{Name: "line-a", Details: "key id · key mode", Table: "scans_a", Key: "id", Mode: "key",
			Layout: "blob", DType: "uint8", Width: 28, Height: 28, Interval: 10 * time.Second, BatchSize: 64}
	}
	type edit func(ed *sourceEditor)
	tests := []struct {
		name     string
		edit     edit
		saveErr  error
		wantSave func(s *SourceSetting) // nil: nothing saved
		wantMsg  string
		restart  bool
	}{
		{"interval only applies now", func(ed *sourceEditor) { ed.interval.SetText("3s") },
			nil, func(s *SourceSetting) { s.Interval = 3 * time.Second }, "Saved", false},
		{"table, size, layout, batch and range", func(ed *sourceEditor) {
			ed.table.SetText("scans_b")
			ed.width.SetText("64")
			ed.height.SetText("32")
			ed.layout.SetSelected("text")
			ed.dtype.SetSelected(noDType)
			ed.batch.SetText("16")
			ed.norm.SetSelected("fixed")
			ed.min.SetText("-1.5")
			ed.max.SetText("4e3")
		}, nil, func(s *SourceSetting) {
			s.Table, s.Width, s.Height, s.Layout, s.DType, s.BatchSize, s.Norm = "scans_b", 64, 32, "text", "", 16, "fixed"
			lo, hi := -1.5, 4000.0
			s.NormMin, s.NormMax = &lo, &hi
		}, "Saved", true},
		{"disable", func(ed *sourceEditor) { ed.enabled.SetChecked(false) },
			nil, func(s *SourceSetting) { s.Disabled = true }, "Saved", true},
		{"untouched min-max stays the default", func(ed *sourceEditor) {}, nil, func(s *SourceSetting) {}, "Saved", false},
		{"width not a number", func(ed *sourceEditor) { ed.width.SetText("wide") }, nil, nil, "Not saved: line-a width: \"wide\"", false},
		{"negative batch", func(ed *sourceEditor) { ed.batch.SetText("-1") }, nil, nil, "Not saved: line-a batch size", false},
		{"bad bound", func(ed *sourceEditor) { ed.max.SetText("lots") }, nil, nil, "Not saved: line-a normalisation max", false},
		{"bad interval", func(ed *sourceEditor) { ed.interval.SetText("soon") }, nil, nil, "Not saved: line-a interval", false},
		{"saved but not applied", func(ed *sourceEditor) { ed.interval.SetText("5s") },
			fmt.Errorf("%w: the interval of line-a applies at the next start: monitor stopped", ErrSavedNotApplied), nil,
			"saved, not applied yet: the interval of line-a applies at the next start", false},
		{"config validation names the field", func(ed *sourceEditor) { ed.mode.SetSelected("rowversion") },
			errors.New("sources[0].mode: rowversion needs SQL Server; use key or claim"), nil, "Not saved: sources[0].mode: rowversion needs SQL Server", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &fakeSettings{saveErr: tc.saveErr, vals: SettingsValues{Sources: []SourceSetting{base()}, ReviewThreshold: 0.8, ModelPath: "m.onnx"}}
			e := newSettingsEnv(t, svc)
			v := e.c.settings
			if len(v.sources) != 1 {
				t.Fatalf("%d source editors; want 1", len(v.sources))
			}
			tc.edit(v.sources[0])
			v.save()
			e.q.drain()
			if !strings.Contains(v.saveMsg.Text, tc.wantMsg) {
				t.Errorf("message = %q; want it to contain %q", v.saveMsg.Text, tc.wantMsg)
			}
			if strings.HasPrefix(v.saveMsg.Text, "Not saved") != strings.HasPrefix(tc.wantMsg, "Not saved") {
				t.Errorf("message = %q; want %q (saved or not)", v.saveMsg.Text, tc.wantMsg)
			}
			if got := strings.Contains(v.saveMsg.Text, "next started"); got != tc.restart {
				t.Errorf("message = %q; says restart %v, want %v", v.saveMsg.Text, got, tc.restart)
			}
			if tc.wantSave == nil {
				if len(svc.saved) != 0 {
					t.Errorf("saved %+v; want nothing saved", svc.saved)
				}
				return
			}
			if len(svc.saved) != 1 {
				t.Fatalf("saved %d times; want 1", len(svc.saved))
			}
			want := base()
			tc.wantSave(&want)
			if diff := cmp.Diff(want, svc.saved[0].Sources[0]); diff != "" {
				t.Errorf("saved source (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettingsTestSource(t *testing.T) {
	tests := []struct{ table, want string }{
		{"scans_a", "OK: table scans_a readable, 3 scans pending."},
		{"scans_x", "source line-a: table scans_x not found; check the table name"},
	}
	for _, tc := range tests {
		t.Run(tc.table, func(t *testing.T) {
			svc := &fakeSettings{vals: SettingsValues{Sources: []SourceSetting{{Name: "line-a", Table: "scans_a", Key: "id", Mode: "key", Layout: "blob", Interval: time.Second}}}}
			e := newSettingsEnv(t, svc)
			ed := e.c.settings.sources[0]
			ed.table.SetText(tc.table)
			test.Tap(findButton(t, e.c.settings.root, "Test source"))
			e.q.drain()
			if ed.testMsg.Text != tc.want {
				t.Errorf("test message = %q; want %q", ed.testMsg.Text, tc.want)
			}
			if len(svc.checked) != 1 || svc.checked[0].Table != tc.table || len(svc.saved) != 0 {
				t.Errorf("checked %+v, saved %d; want the edited source checked, nothing saved", svc.checked, len(svc.saved))
			}
		})
	}
}

func TestSettingsAddSource(t *testing.T) {
	tests := []struct {
		name, newName string
		wantMsg       string // on the add row; "" when added
	}{
		{"copy of line-a", "line-b", ""},
		{"name taken", "line-a", `"line-a" is already a source`},
		{"no name", "  ", "Write a name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &fakeSettings{vals: SettingsValues{Sources: []SourceSetting{{Name: "line-a", Table: "scans_a", Key: "id", Mode: "key",
				Layout: "blob", DType: "uint8", Width: 28, Height: 28, Interval: 10 * time.Second, BatchSize: 64}}, ReviewThreshold: 0.8}}
			e := newSettingsEnv(t, svc)
			v := e.c.settings
			v.newName.SetText(tc.newName)
			test.Tap(findButton(t, v.root, "Add source"))
			if tc.wantMsg != "" {
				if len(v.sources) != 1 || !strings.Contains(v.addMsg.Text, tc.wantMsg) {
					t.Errorf("%d editors, message %q; want 1 editor and %q", len(v.sources), v.addMsg.Text, tc.wantMsg)
				}
				return
			}
			if len(v.sources) != 2 {
				t.Fatalf("%d source editors after Add; want 2", len(v.sources))
			}
			v.sources[1].table.SetText("scans_b")
			v.save()
			e.q.drain()
			if len(svc.saved) != 1 || len(svc.saved[0].Sources) != 2 {
				t.Fatalf("saved %+v; want one save with two sources", svc.saved)
			}
			got := svc.saved[0].Sources[1]
			if got.Name != "line-b" || got.CopyOf != "line-a" || got.Table != "scans_b" || got.Width != 28 || got.Interval != 10*time.Second {
				t.Errorf("new source = %+v; want line-b, a copy of line-a reading scans_b", got)
			}
			if !strings.Contains(v.saveMsg.Text, "next started") {
				t.Errorf("message = %q; want it to say the new source applies at the next start", v.saveMsg.Text)
			}
		})
	}
}
