package modelcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/inference"
)

const modelUsage = `usage: gradewatch model COMMAND

commands:
  info FILE                                print inputs, outputs, opset, ops, labels, parameters, SHA-256
  test DIR [--rtol R] [--atol A]           run DIR/model.onnx on DIR/test_data_set_*/input_*.pb and compare
                                           with output_*.pb (or every such case folder below DIR)
  bench FILE [--batch N] [--threads N] [--json] [--duration D]
                                           run the model on random input and print its speed
`

// Model runs "gradewatch model ARGS...".
func Model(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, modelUsage)
		return 2
	}
	switch args[0] {
	case "info":
		return info(ctx, args[1:], stdout, stderr)
	case "test":
		return test(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, modelUsage)
		return 0
	}
	fmt.Fprintf(stderr, "gradewatch model: unknown command %q\n\n%s", args[0], modelUsage)
	return 2
}

func info(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("model info", "FILE", stderr)
	pos, code, ok := cli.ParseN(fs, args, 1)
	if !ok {
		return code
	}
	m, err := inference.LoadFile(ctx, pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch model info: %v\n", err)
		return 1
	}
	writeInfo(stdout, pos[0], m.Info())
	return 0
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for k, d := range s {
		if d < 0 {
			parts[k] = "N"
		} else {
			parts[k] = fmt.Sprint(d)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func writeInfo(w io.Writer, path string, in inference.Info) {
	fmt.Fprintf(w, "file:       %s\n", path)
	fmt.Fprintf(w, "name:       %s\n", in.Name)
	fmt.Fprintf(w, "sha256:     %s\n", in.SHA256)
	fmt.Fprintf(w, "producer:   %s\n", in.Producer)
	fmt.Fprintf(w, "ir version: %d\n", in.IRVersion)
	fmt.Fprintf(w, "opset:      %d\n", in.Opset)
	for _, t := range in.Inputs {
		fmt.Fprintf(w, "input:      %s %s %s\n", t.Name, t.Type, shapeString(t.Shape))
	}
	for _, t := range in.Outputs {
		fmt.Fprintf(w, "output:     %s %s %s\n", t.Name, t.Type, shapeString(t.Shape))
	}
	fmt.Fprintf(w, "ops:        %s\n", strings.Join(in.Ops, ", "))
	fmt.Fprintf(w, "parameters: %d\n", in.Params)
	batch := "free (images run together)"
	if !in.BatchFree {
		batch = "fixed in the graph (images run one at a time)"
	}
	fmt.Fprintf(w, "batch:      %s\n", batch)
	if len(in.Labels) > 0 {
		fmt.Fprintf(w, "labels:     %s\n", strings.Join(in.Labels, ", "))
	} else {
		fmt.Fprintf(w, "labels:     none (classes are numbered)\n")
	}
	if p := in.Preprocess; p.Width > 0 {
		fmt.Fprintf(w, "preprocess: %dx%d, %d channel(s), %s, input = (pixel*%g - mean %v) / std %v\n",
			p.Width, p.Height, p.Channels, p.Layout, p.Scale, p.Mean, p.Std)
		if in.Output == inference.OutputLogits && in.Temperature != 1 {
			fmt.Fprintf(w, "output is:  %s, softmax at temperature %g\n", in.Output, in.Temperature)
		} else {
			fmt.Fprintf(w, "output is:  %s\n", in.Output)
		}
	}
}

// caseDirs returns dir when it holds model.onnx, else every folder below
// it that does, sorted.
func caseDirs(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err == nil {
		return []string{dir}, nil
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "model.onnx" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%s holds no model.onnx, nor does any folder below it", dir)
	}
	sort.Strings(dirs)
	return dirs, nil
}

func test(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("model test", "DIR [--rtol R] [--atol A]", stderr)
	rtol := fs.Float64("rtol", 1e-3, "relative tolerance")
	atol := fs.Float64("atol", 1e-5, "absolute tolerance; an element passes if |got-want| <= atol + rtol*|want|")
	pos, code, ok := cli.ParseN(fs, args, 1)
	if !ok {
		return code
	}
	dirs, err := caseDirs(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch model test: %v\n", err)
		return 1
	}
	failed := 0
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "gradewatch model test: %v\n", err)
			return 1
		}
		sets, err := inference.CheckCase(ctx, dir, *rtol, *atol)
		if err != nil {
			fmt.Fprintf(stdout, "%s: FAIL: %v\n", dir, err)
			failed++
			continue
		}
		pass := true
		for _, s := range sets {
			if s.Err != nil {
				fmt.Fprintf(stdout, "%s %s: FAIL: %v\n", dir, s.Name, s.Err)
				pass = false
				continue
			}
			for _, o := range s.Outputs {
				verdict := "PASS"
				if !o.Pass {
					verdict, pass = "FAIL", false
				}
				fmt.Fprintf(stdout, "%s %s %s: max abs error %.3g, max rel error %.3g: %s", dir, s.Name, o.Name, o.MaxAbs, o.MaxRel, verdict)
				if o.Problem != "" {
					fmt.Fprintf(stdout, " (%s)", o.Problem)
				}
				fmt.Fprintln(stdout)
			}
		}
		if !pass {
			failed++
		}
	}
	fmt.Fprintf(stdout, "%d of %d cases passed (rtol %g, atol %g)\n", len(dirs)-failed, len(dirs), *rtol, *atol)
	if failed > 0 {
		return 1
	}
	return 0
}

// benchResult is the JSON printed by "model bench --json".
type benchResult struct {
	Model           string  `json:"model"`
	Batch           int     `json:"batch"`
	Threads         int     `json:"threads"`
	Runs            int     `json:"runs"`
	MsPerImage      float64 `json:"ms_per_image"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

func bench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("model bench", "FILE [--batch N] [--threads N] [--json] [--duration D]", stderr)
	batch := fs.Int("batch", 1, "images per run")
	threads := fs.Int("threads", 1, "goroutines a batch is split across")
	asJSON := fs.Bool("json", false, "print one JSON object")
	dur := fs.Duration("duration", 2*time.Second, "how long to measure")
	pos, code, ok := cli.ParseN(fs, args, 1)
	if !ok {
		return code
	}
	if *batch < 1 || *batch > 4096 || *threads < 1 || *threads > 256 || *dur <= 0 {
		fmt.Fprintln(stderr, "gradewatch model bench: --batch must be 1 to 4096, --threads 1 to 256, --duration positive")
		return 2
	}
	m, err := inference.LoadFile(ctx, pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch model bench: %v\n", err)
		return 1
	}
	if m.InputSize() == 0 {
		fmt.Fprintf(stderr, "gradewatch model bench: %s does not take a batch of one float input; bench needs such a model\n", pos[0])
		return 1
	}
	m.SetThreads(*threads)
	r := rand.New(rand.NewPCG(1, 2))
	in := make([]float32, *batch*m.InputSize())
	for k := range in {
		in[k] = r.Float32()
	}
	out := make([]float32, *batch*m.OutputSize())
	// Warm up: plans are built on the first runs.
	for i := 0; i < 3; i++ {
		if err := m.Infer(ctx, in, *batch, out); err != nil {
			fmt.Fprintf(stderr, "gradewatch model bench: %v\n", err)
			return 1
		}
	}
	runs := 0
	start := time.Now()
	for time.Since(start) < *dur || runs < 3 {
		if err := m.Infer(ctx, in, *batch, out); err != nil {
			fmt.Fprintf(stderr, "gradewatch model bench: %v\n", err)
			return 1
		}
		runs++
	}
	elapsed := time.Since(start)
	images := float64(runs * *batch)
	res := benchResult{
		Model: pos[0], Batch: *batch, Threads: *threads, Runs: runs,
		MsPerImage:      elapsed.Seconds() * 1000 / images,
		ImagesPerSecond: images / elapsed.Seconds(),
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "%s: batch %d, %d thread(s), %d runs: %.4f ms per image, %.0f images per second\n",
		res.Model, res.Batch, res.Threads, res.Runs, res.MsPerImage, res.ImagesPerSecond)
	return 0
}
