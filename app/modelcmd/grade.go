package modelcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor/scan"
)

// Grade runs "gradewatch grade --model FILE [--config FILE [--source
// NAME]] IMAGE...". Images are decoded by monitor/scan's image decoder;
// with --config, decoded and normalised as that source's scans
// (scan.ImageLayout), so they grade as on the line; without it, with
// scan.DefaultImageLayout.
func Grade(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("grade", "--model FILE [--config FILE [--source NAME]] [--json] IMAGE...", stderr)
	modelPath := fs.String("model", "", "ONNX model file (its sidecar JSON beside it is read too)")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	configPath := fs.String("config", "", "decode images as a source of this configuration decodes its scans")
	source := fs.String("source", "", "the source of --config (default: the first enabled one)")
	pos, code, ok := cli.Parse(fs, args)
	if !ok {
		return code
	}
	if *modelPath == "" || len(pos) == 0 {
		fmt.Fprintln(stderr, "gradewatch grade: give --model FILE and at least one image (PNG, JPEG, BMP, TIFF or GIF)")
		fs.Usage()
		return 2
	}
	layout := scan.DefaultImageLayout
	if *configPath != "" {
		l, err := sourceLayout(*configPath, *source)
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch grade: %v\n", err)
			return 2
		}
		layout = scan.ImageLayout(l)
	} else if *source != "" {
		fmt.Fprintln(stderr, "gradewatch grade: --source needs --config FILE")
		return 2
	}
	m, err := inference.LoadFile(ctx, *modelPath)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch grade: %v\n", err)
		return 1
	}
	info := m.Info()
	imgs := make([]inference.Image, 0, len(pos))
	var files []string
	failed := false
	for _, p := range pos {
		img, err := readImage(layout, p)
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch grade: %v\n", err)
			failed = true
			continue
		}
		imgs = append(imgs, img)
		files = append(files, p)
	}
	if len(imgs) > 0 {
		preds, err := m.Classify(ctx, imgs)
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch grade: %v\n", err)
			return 1
		}
		for k, p := range preds {
			writePrediction(stdout, files[k], p, info.Labels, *asJSON)
		}
	}
	if failed {
		return 1
	}
	return 0
}

func label(labels []string, i int) string {
	if i < len(labels) {
		return labels[i]
	}
	return fmt.Sprint(i)
}

func writePrediction(w io.Writer, file string, p inference.Prediction, labels []string, asJSON bool) {
	if asJSON {
		probs := make(map[string]float32, len(p.Probs))
		for c, v := range p.Probs {
			probs[label(labels, c)] = v
		}
		_ = json.NewEncoder(w).Encode(struct {
			File       string             `json:"file"`
			Label      string             `json:"label"`
			Index      int                `json:"index"`
			Confidence float32            `json:"confidence"`
			Probs      map[string]float32 `json:"probabilities"`
		}{file, p.Label, p.Index, p.Confidence, probs})
		return
	}
	fmt.Fprintf(w, "%s: %s (confidence %.4f)\n", file, p.Label, p.Confidence)
	for c, v := range p.Probs {
		fmt.Fprintf(w, "  %-12s %.4f\n", label(labels, c), v)
	}
}

// readImage decodes an image file with monitor/scan's one image decoder
// (PNG, JPEG, BMP, TIFF or GIF) and layout l, so a file grades as the
// console grades it.
func readImage(l scan.Layout, path string) (inference.Image, error) {
	m, _, err := scan.ReadImageFile(l, path)
	if err != nil {
		return inference.Image{}, err
	}
	return inference.Image{Width: m.Width, Height: m.Height, Pix: m.Pix}, nil
}

// sourceLayout returns the scan layout of a source of the configuration at
// path, the first enabled one when source is "".
func sourceLayout(path, source string) (scan.Layout, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return scan.Layout{}, err
	}
	var names []string
	for _, s := range cfg.Sources {
		if s.Disabled {
			continue
		}
		if source == "" || s.Name == source {
			return s.ScanLayout(), nil
		}
		names = append(names, s.Name)
	}
	if source == "" {
		return scan.Layout{}, fmt.Errorf("%s has no enabled source; add one or leave out --config", path)
	}
	return scan.Layout{}, fmt.Errorf("%s has no enabled source %q; use one of %v", path, source, names)
}
