package console

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/ui"
)

// settingsOnSQLite is a consoleSettings over openTestStore's database with
// its demo blob table configured as the one source, saved to config.json.
func settingsOnSQLite(t *testing.T) *consoleSettings {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default(dir)
	cfg.Sources = []config.Source{{
		Name: demo.BlobSource, Table: demo.DefaultTables().Blob, Key: "id", Mode: "key",
		Columns: config.Columns{Payload: "payload"}, Width: 28, Height: 28, Interval: "1s", BatchSize: 64,
		Layout: config.Layout{Kind: "blob", DType: "uint8", Normalisation: config.Normalisation{Kind: "min-max"}},
	}}
	cfg.Model.Path = "model.onnx"
	path := filepath.Join(dir, "config.json")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	return &consoleSettings{ws: &workspace.Workspace{ConfigPath: path, Config: cfg, Store: openTestStore(t), Models: &workspace.Models{}}}
}

func TestSaveSourceSettings(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(s *ui.SourceSetting)
		wantErr string                     // "" for saved
		check   func(s config.Source) bool // on the file read back
	}{
		{"size, batch and fixed range saved", func(s *ui.SourceSetting) {
			lo, hi := 0.0, 255.0
			s.Width, s.Height, s.BatchSize, s.Norm, s.NormMin, s.NormMax = 32, 16, 8, "fixed", &lo, &hi
		}, "", func(s config.Source) bool {
			n := s.Layout.Normalisation
			return s.Width == 32 && s.Height == 16 && s.BatchSize == 8 && n.Kind == "fixed" && *n.Min == 0 && *n.Max == 255
		}},
		{"disabled saved", func(s *ui.SourceSetting) { s.Disabled = true }, "", func(s config.Source) bool { return s.Disabled }},
		{"rowversion refused on sqlite", func(s *ui.SourceSetting) { s.Mode = "rowversion" }, "sources[0].mode", nil},
		{"bad table name refused", func(s *ui.SourceSetting) { s.Table = "scans; DROP TABLE x" }, "sources[0].table", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := settingsOnSQLite(t)
			v, err := s.Settings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(&v.Sources[0])
			err = s.SaveSettings(ctx, v)
			back, lerr := config.Load(s.ws.ConfigPath)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("SaveSettings = %v; want an error naming %s", err, tc.wantErr)
				}
				if back.Sources[0].Mode != "key" || back.Sources[0].Table != demo.DefaultTables().Blob {
					t.Errorf("the refused settings reached the file: %+v", back.Sources[0])
				}
				return
			}
			if err != nil {
				t.Fatalf("SaveSettings: %v", err)
			}
			if !tc.check(back.Sources[0]) || !tc.check(s.cfg().Sources[0]) {
				t.Errorf("saved source = %+v; the edit is missing", back.Sources[0])
			}
		})
	}
}

func TestCheckSourceSetting(t *testing.T) {
	tests := []struct {
		name, table, mode string
		want              string // part of the report or the error
		ok                bool
	}{
		{"demo table", demo.DefaultTables().Blob, "key", "OK: table " + demo.DefaultTables().Blob + " readable, 0 scans pending.", true},
		{"missing table", "no_such_scans", "key", "no_such_scans", false},
		{"invalid mode", demo.DefaultTables().Blob, "rowversion", "sources[0].mode", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := settingsOnSQLite(t)
			v, _ := s.Settings(ctx)
			src := v.Sources[0]
			src.Table, src.Mode = tc.table, tc.mode
			got, err := s.CheckSource(ctx, src)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckSource(%s) = %q, %v; want ok %v", tc.table, got, err, tc.ok)
			}
			text := got
			if err != nil {
				text = err.Error()
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("CheckSource(%s) = %q; want it to contain %q", tc.table, text, tc.want)
			}
		})
	}
}

func TestAddSourceSetting(t *testing.T) {
	tests := []struct {
		name    string
		add     ui.SourceSetting
		wantErr string
	}{
		{"copy of the demo source", ui.SourceSetting{Name: "line-2", CopyOf: demo.BlobSource, Table: "line2_scans"}, ""},
		{"copy of a source that is not there", ui.SourceSetting{Name: "line-2", CopyOf: "ghost", Table: "line2_scans"}, `"line-2" is not in the configuration`},
		{"empty table", ui.SourceSetting{Name: "line-2", CopyOf: demo.BlobSource, Table: ""}, "sources[1].table"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := settingsOnSQLite(t)
			v, _ := s.Settings(ctx)
			add := v.Sources[0]
			add.Name, add.CopyOf, add.Table = tc.add.Name, tc.add.CopyOf, tc.add.Table
			v.Sources = append(v.Sources, add)
			err := s.SaveSettings(ctx, v)
			back, lerr := config.Load(s.ws.ConfigPath)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || len(back.Sources) != 1 {
					t.Errorf("SaveSettings = %v, file has %d sources; want an error naming %s and 1 source", err, len(back.Sources), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SaveSettings: %v", err)
			}
			if len(back.Sources) != 2 {
				t.Fatalf("file has %d sources; want 2", len(back.Sources))
			}
			got, tmpl := back.Sources[1], back.Sources[0]
			if got.Name != "line-2" || got.Table != "line2_scans" || got.Columns != tmpl.Columns || got.Key != tmpl.Key {
				t.Errorf("new source = %+v; want line-2 on line2_scans with %s's columns", got, tmpl.Name)
			}
		})
	}
}

// TestSaveWithRunningMonitor saves an interval change together with a new
// source on a demo workspace with its monitor: the interval is applied, the
// new source (not polled until the next start) is no error.
func TestSaveWithRunningMonitor(t *testing.T) {
	ctx := t.Context()
	path, err := workspace.InitDemo(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.Monitor == nil {
		t.Fatal("the demo workspace has no monitor")
	}
	s := newConsoleSettings(ws)
	v, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.Sources[0].Interval = 2 * time.Second
	add := v.Sources[0]
	add.Name, add.CopyOf = "line-3", v.Sources[0].Name
	v.Sources = append(v.Sources, add)
	if err := s.SaveSettings(ctx, v); err != nil {
		t.Fatalf("SaveSettings = %v; want the interval applied and line-3 saved for the next start", err)
	}
	back, err := config.Load(ws.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Sources) != len(v.Sources) || back.Sources[0].Interval != "2s" {
		t.Errorf("file: %d sources, first interval %s; want %d and 2s", len(back.Sources), back.Sources[0].Interval, len(v.Sources))
	}
}
