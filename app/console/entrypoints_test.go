package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/modelcmd"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/ui"
)

// digitPNG encodes an MNIST digit (side*side grey levels) as an 8-bit
// grey PNG, or as an RGBA one (grey in all three channels) when rgba is
// set.
func digitPNG(t *testing.T, pix []byte, rgba bool) []byte {
	t.Helper()
	side := int(math.Sqrt(float64(len(pix))))
	var img image.Image
	if rgba {
		m := image.NewRGBA(image.Rect(0, 0, side, side))
		for i, v := range pix {
			m.Set(i%side, i/side, color.RGBA{v, v, v, 255})
		}
		img = m
	} else {
		img = &image.Gray{Pix: pix, Stride: side, Rect: image.Rect(0, 0, side, side)}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// One image file grades the same through every entry point: the image
// layout on the line (headless run, stored result), ad hoc grading in the
// console (default source and the image source), "gradewatch grade", and
// the console bridge reloading the scan (saved PNG, and source row).
func TestSameGradeThroughEveryEntryPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the headless pipeline")
	}
	ctx := t.Context()
	dir := t.TempDir()
	cfgPath, err := workspace.InitDemo(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// Six MNIST digits from the demo line, stored as PNG files in an image
	// source beside the demo's two.
	st, err := workspace.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Simulate(ctx, st, rand.New(rand.NewPCG(7, 11)), 12, 0); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT payload FROM `+demo.DefaultTables().Blob+` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var digits [][]byte
	for rows.Next() {
		var pix []byte
		if err := rows.Scan(&pix); err != nil {
			t.Fatal(err)
		}
		digits = append(digits, pix)
	}
	rows.Close()
	if len(digits) != 6 {
		t.Fatalf("demo line inserted %d blob scans; want 6", len(digits))
	}
	if _, err := st.DB().ExecContext(ctx, `CREATE TABLE image_scans (id INTEGER PRIMARY KEY, png BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i, pix := range digits {
		data := digitPNG(t, pix, i%2 == 1)
		key := fmt.Sprint(i + 1)
		files[key] = data
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO image_scans (id, png) VALUES (?, ?)`, i+1, data); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	fixed := cfg.Sources[0].Layout.Normalisation
	cfg.Sources = append(cfg.Sources, config.Source{
		Name: "images", Table: "image_scans", Key: "id", Mode: "key",
		Columns:  config.Columns{Payload: "png"},
		Layout:   config.Layout{Kind: "image", Normalisation: fixed},
		Interval: "1s", BatchSize: 64,
	})
	// The same rows as a line whose range is four times wider: its
	// layout must reach "grade --source" (the grade changes).
	wide := 1020.0
	cfg.Sources = append(cfg.Sources, cfg.Sources[len(cfg.Sources)-1])
	cfg.Sources[len(cfg.Sources)-1].Name = "images-wide"
	cfg.Sources[len(cfg.Sources)-1].Layout.Normalisation = config.Normalisation{Kind: "fixed", Min: fixed.Min, Max: &wide}
	if err := cfg.Save(cfgPath); err != nil {
		t.Fatal(err)
	}

	// The line: the monitor grades every source until all 12 image rows
	// (6 per image source) are committed; the wait is on their events.
	ws, err := workspace.Open(ctx, cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	runCtx, stop := context.WithCancel(ctx)
	sub := ws.Monitor.Subscribe(runCtx, 0)
	done := make(chan error, 1)
	go func() { done <- ws.Run(runCtx) }()
	graded := 0
	for graded < 12 {
		ev, ok := <-sub.C
		if !ok {
			t.Fatal("the monitor stopped before grading the image sources")
		}
		switch e := ev.(type) {
		case monitor.ScanGraded:
			if strings.HasPrefix(e.Result.Source, "images") {
				graded++
			}
		case monitor.ScanRejected:
			t.Fatalf("the line rejected %s/%s: %s", e.Reject.Source, e.Reject.SourceKey, e.Reject.Reason)
		}
	}
	stop()
	if err := <-done; err != nil && ctx.Err() == nil && runCtx.Err() == nil {
		t.Fatal(err)
	}

	grader := modelGrader{current: ws.Models.Current}
	decoder := newImageDecoder(ws.Config)
	loader := newScanLoader(ws.Store, ws.Config)
	labels := ws.Models.Current().Info().Labels
	if code, _, errOut := gradeCmd(t, "--model", ws.Config.ModelPath(), "--config", cfgPath, "--source", "nope", "x.png"); code != 2 || !strings.Contains(errOut, `no enabled source "nope"`) {
		t.Errorf("grade --source nope = exit %d, %q; want 2 naming the source", code, errOut)
	}
	if got := decoder.Sources(); len(got) != 4 || got[0] != ws.Config.Sources[0].Name {
		t.Fatalf("ad hoc sources = %v; want the 4 configured, the demo's first", got)
	}

	for key, data := range files {
		stored, err := ws.Store.ResultByKey(t.Context(), "images", key)
		if err != nil {
			t.Fatalf("line result of image %s: %v", key, err)
		}
		line := uiResult(stored)
		if line.ImagePath == "" {
			t.Fatalf("image %s: no image saved", key)
		}
		type path struct {
			name  string
			grade string
			probs []float32
		}
		var paths []path
		// Ad hoc, with the default (first) source and the image source.
		for _, src := range []string{decoder.Sources()[0], "images"} {
			sc, err := decoder.DecodeImage(src, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("ad hoc decode %s as %s: %v", key, src, err)
			}
			p, err := grader.Grade(t.Context(), sc)
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, path{"ad hoc as " + src, p.Grade, p.Probs})
		}
		// gradewatch grade --json.
		file := filepath.Join(dir, "digit"+key+".png")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{nil, {"--config", cfgPath}, {"--config", cfgPath, "--source", "images"}} {
			args = append(append([]string{"grade", "--model", ws.Config.ModelPath(), "--json"}, args...), file)
			out := mustGrade(t, args[1:]...)
			var g struct {
				Label string             `json:"label"`
				Probs map[string]float32 `json:"probabilities"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &g); err != nil {
				t.Fatalf("grade --json output %q: %v", out, err)
			}
			probs := make([]float32, len(labels))
			for i, l := range labels {
				probs[i] = g.Probs[l]
			}
			paths = append(paths, path{"gradewatch " + strings.Join(args[3:len(args)-1], " "), g.Label, probs})
		}
		// The console bridge: the saved PNG, and the source row.
		for _, l := range []struct {
			name string
			l    scanLoader
			r    ui.Result
		}{
			{"console bridge (saved PNG)", loader, line},
			{"console bridge (source row)", loader, func() ui.Result { r := line; r.ImagePath = ""; return r }()},
		} {
			sc, err := l.l.LoadScan(t.Context(), l.r)
			if err != nil {
				t.Fatalf("%s of %s: %v", l.name, key, err)
			}
			p, err := grader.Grade(t.Context(), sc)
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, path{l.name, p.Grade, p.Probs})
		}
		wideOut := mustGrade(t, "--model", ws.Config.ModelPath(), "--json", "--config", cfgPath, "--source", "images-wide", file)
		var wideGrade struct {
			Probs map[string]float32 `json:"probabilities"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(wideOut)), &wideGrade); err != nil {
			t.Fatal(err)
		}
		wideStored, err := ws.Store.ResultByKey(t.Context(), "images-wide", key)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		for i, l := range labels {
			if d := math.Abs(float64(wideGrade.Probs[l]) - wideStored.Probs[i]); d > 1e-5 {
				t.Errorf("image %s: grade --source images-wide probability %d = %v; its line %v", key, i, wideGrade.Probs[l], wideStored.Probs[i])
			}
			changed = changed || math.Abs(float64(wideGrade.Probs[l])-float64(line.Probs[i])) > 1e-3
		}
		if !changed {
			t.Errorf("image %s: grade --source images-wide gave the probabilities of the 0..255 source; want its own normalisation", key)
		}
		for _, p := range paths {
			if p.grade != line.Grade {
				t.Errorf("image %s: %s grades %q; the line graded %q", key, p.name, p.grade, line.Grade)
			}
			if len(p.probs) != len(line.Probs) {
				t.Fatalf("image %s: %s gives %d probabilities; want %d", key, p.name, len(p.probs), len(line.Probs))
			}
			// The line stores probabilities as float64 of the same float32
			// outputs; a batch of 6 and a batch of 1 may sum in another
			// order, hence the small tolerance.
			for i, v := range p.probs {
				if d := math.Abs(float64(v - line.Probs[i])); d > 1e-5 {
					t.Errorf("image %s: %s probability %d = %v; line %v (|diff| %g > 1e-5)", key, p.name, i, v, line.Probs[i], d)
				}
			}
		}
	}
}

// gradeCmd runs "gradewatch grade" in-process.
func gradeCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := modelcmd.Grade(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustGrade runs "gradewatch grade" and fails the test unless it exits 0.
func mustGrade(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := gradeCmd(t, args...)
	if code != 0 {
		t.Fatalf("gradewatch grade %s = exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}
