package modelcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor/scan"
)

// LayoutFunc returns the scan layout of a source of the configuration
// file at configPath; source "" means the first enabled source.
type LayoutFunc func(configPath, source string) (scan.Layout, error)

// Grade runs "gradewatch grade --model FILE IMAGE...", decoding every
// image with scan.DefaultImageLayout.
func Grade(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return GradeWith(nil)(ctx, args, stdout, stderr)
}

// GradeWith returns the grade command with "--config FILE [--source
// NAME]": images are then decoded and normalised as that source's scans
// (scan.ImageLayout of the layout layoutOf gives), so they grade as on the
// line. A nil layoutOf offers no --config.
func GradeWith(layoutOf LayoutFunc) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return runGrade(ctx, layoutOf, args, stdout, stderr)
	}
}

func runGrade(ctx context.Context, layoutOf LayoutFunc, args []string, stdout, stderr io.Writer) int {
	usage := "--model FILE [--json] IMAGE..."
	if layoutOf != nil {
		usage = "--model FILE [--config FILE [--source NAME]] [--json] IMAGE..."
	}
	fs := newFlags("grade", usage, stderr)
	modelPath := fs.String("model", "", "ONNX model file (its sidecar JSON beside it is read too)")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	var configPath, source *string
	if layoutOf != nil {
		configPath = fs.String("config", "", "decode images as a source of this configuration decodes its scans")
		source = fs.String("source", "", "the source of --config (default: the first)")
	}
	pos, code, ok := parse(fs, args)
	if !ok {
		return code
	}
	if *modelPath == "" || len(pos) == 0 {
		fmt.Fprintln(stderr, "gradewatch grade: give --model FILE and at least one image (PNG, JPEG, BMP, TIFF or GIF)")
		fs.Usage()
		return 2
	}
	layout := scan.DefaultImageLayout
	if layoutOf != nil && *configPath != "" {
		l, err := layoutOf(*configPath, *source)
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch grade: %v\n", err)
			return 2
		}
		layout = scan.ImageLayout(l)
	} else if layoutOf != nil && *source != "" {
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
