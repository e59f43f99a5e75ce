package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/ui"
)

// digitPNG encodes an MNIST digit as an 8-bit grey PNG, or as an RGBA one
// (grey in all three channels) when rgba is set.
func digitPNG(t *testing.T, d demo.Digit, rgba bool) []byte {
	t.Helper()
	side := int(math.Sqrt(float64(len(d.Pix))))
	var img image.Image
	if rgba {
		m := image.NewRGBA(image.Rect(0, 0, side, side))
		for i, v := range d.Pix {
			m.Set(i%side, i/side, color.RGBA{v, v, v, 255})
		}
		img = m
	} else {
		img = &image.Gray{Pix: d.Pix, Stride: side, Rect: image.Rect(0, 0, side, side)}
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
	digits, err := demo.Digits()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// An image source beside the demo's two, normalised as the demo
	// line (fixed 0..255), taking the size from each file.
	st, err := openStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(t.Context(), `CREATE TABLE image_scans (id INTEGER PRIMARY KEY, png BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i, k := range []int{0, 1, 2, 3, 4, 5} {
		data := digitPNG(t, digits[k], i%2 == 1)
		key := fmt.Sprint(i + 1)
		files[key] = data
		if _, err := st.DB().ExecContext(t.Context(), `INSERT INTO image_scans (id, png) VALUES (?, ?)`, i+1, data); err != nil {
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
	mustGW(t, "run", "--headless", "--config", cfgPath, "--until-idle", "--status-every", "0")

	ws, err := OpenWorkspace(t.Context(), cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	grader := modelGrader{current: ws.Models.Current}
	decoder := newImageDecoder(ws.Config)
	loader := newScanLoader(ws.Store, ws.Config)
	labels := ws.Models.Current().Info().Labels
	if code, _, errOut := gw(t, "grade", "--model", ws.Config.ModelPath(), "--config", cfgPath, "--source", "nope", "x.png"); code != 2 || !strings.Contains(errOut, `no enabled source "nope"`) {
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
			out := mustGW(t, args...)
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
		wideOut := mustGW(t, "grade", "--model", ws.Config.ModelPath(), "--json", "--config", cfgPath, "--source", "images-wide", file)
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
