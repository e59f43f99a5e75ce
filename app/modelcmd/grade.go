package modelcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // JPEG scans
	_ "image/png"  // PNG scans
	"io"
	"os"

	_ "golang.org/x/image/bmp" // BMP scans

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/inference"
)

// MaxImagePixels bounds the size of an image grade decodes.
const MaxImagePixels = 64 << 20

// Grade runs "gradewatch grade --model FILE IMAGE...".
func Grade(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("grade", "--model FILE [--json] IMAGE...", stderr)
	modelPath := fs.String("model", "", "ONNX model file (its sidecar JSON beside it is read too)")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	pos, code, ok := cli.Parse(fs, args)
	if !ok {
		return code
	}
	if *modelPath == "" || len(pos) == 0 {
		fmt.Fprintln(stderr, "gradewatch grade: give --model FILE and at least one image (PNG, JPEG or BMP)")
		fs.Usage()
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
		img, err := readImage(p)
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

// readImage decodes a PNG, JPEG or BMP file into a grey plane in [0, 1].
func readImage(path string) (inference.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return inference.Image{}, fmt.Errorf("read image %s: %w", path, err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return inference.Image{}, fmt.Errorf("read image %s: %w (PNG, JPEG and BMP are supported)", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return inference.Image{}, fmt.Errorf("read image %s: %dx%d pixels is empty or too large", path, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return inference.Image{}, fmt.Errorf("read image %s: %w", path, err)
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return inference.Image{}, fmt.Errorf("read image %s: %w", path, err)
	}
	return toGrey(src), nil
}

// toGrey converts an image to its luminance plane scaled to [0, 1].
func toGrey(src image.Image) inference.Image {
	b := src.Bounds()
	img := inference.Image{Width: b.Dx(), Height: b.Dy(), Pix: make([]float32, b.Dx()*b.Dy())}
	if g, ok := src.(*image.Gray); ok { // most scans: no per-pixel interface calls
		for y := 0; y < img.Height; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+img.Width]
			for x, v := range row {
				img.Pix[y*img.Width+x] = float32(v) / 0xff
			}
		}
		return img
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.Gray16Model.Convert(src.At(x, y)).(color.Gray16)
			img.Pix[(y-b.Min.Y)*img.Width+x-b.Min.X] = float32(g.Y) / 0xffff
		}
	}
	return img
}
