package modelcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

const mnistDir = "../../inference/testdata/onnx/models/mnist-8"

func run(t *testing.T, f func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := f(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func model(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return Model(ctx, args, out, errb)
}

func grade(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return Grade(ctx, args, out, errb)
}

func TestModelCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"info", []string{"info", mnistDir + "/model.onnx"}, 0, []string{"opset:      8", "input:      Input3 float32 [N,1,28,28]", "ops:        Add, Conv, MatMul, MaxPool, Relu, Reshape", "sha256:     2f06e72de813a8635c9bc0397ac447a601bdbfa7df4bebc278723b958831c9bf"}},
		{"info missing", []string{"info", "no/such.onnx"}, 1, nil},
		{"info no file", []string{"info"}, 2, nil},
		{"test pass", []string{"test", mnistDir}, 0, []string{"test_data_set_2 Plus214_Output_0", "PASS", "1 of 1 cases passed"}},
		{"test tight tolerance fails", []string{"test", "--rtol", "0", "--atol", "0", mnistDir}, 1, []string{"FAIL", "0 of 1 cases passed"}},
		{"test many cases", []string{"test", "../../inference/testdata/onnx/simple"}, 0, []string{"1 of 1 cases passed"}},
		{"test nested cases", []string{"test", "../../inference/testdata/onnx/models"}, 0, []string{"1 of 1 cases passed"}},
		{"test no cases", []string{"test", "."}, 1, nil},
		{"unknown", []string{"frobnicate"}, 2, nil},
		{"no command", nil, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, model, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("model %v = exit %d; want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("model %v output lacks %q:\n%s", tt.args, w, out)
				}
			}
		})
	}
}

func TestBenchJSON(t *testing.T) {
	code, out, errOut := run(t, model, "bench", "--batch", "3", "--threads", "2", "--json", "--duration", "50ms", "../../inference/testdata/bench/seed-cnn.onnx")
	if code != 0 {
		t.Fatalf("model bench = exit %d: %s", code, errOut)
	}
	var res struct {
		Batch           int     `json:"batch"`
		MsPerImage      float64 `json:"ms_per_image"`
		ImagesPerSecond float64 `json:"images_per_second"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &res); err != nil {
		t.Fatalf("model bench --json printed %q: %v", out, err)
	}
	if res.MsPerImage <= 0 || res.ImagesPerSecond <= 0 || res.Batch != 3 {
		t.Errorf("model bench --json = %+v; want positive ms_per_image and images_per_second, batch 3", res)
	}
}

// TestGrade writes mnist-8's reference digits as PNG files beside a copy of
// the model with a sidecar and grades them.
func TestGrade(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(mnistDir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	modelPath := filepath.Join(dir, "digits.onnx")
	if err := os.WriteFile(modelPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	side := `{"labels":["zero","one","two","three","four","five","six","seven","eight","nine"],"preprocess":{"scale":255}}`
	if err := os.WriteFile(filepath.Join(dir, "digits.json"), []byte(side), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--model", modelPath}
	var wants []string
	names := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	for i := 0; i < 3; i++ {
		set := filepath.Join(mnistDir, "test_data_set_"+string(rune('0'+i)))
		in := readTensor(t, filepath.Join(set, "input_0.pb"))
		out := readTensor(t, filepath.Join(set, "output_0.pb"))
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for k, v := range in.Float {
			img.SetGray(k%28, k/28, color.Gray{Y: uint8(v)})
		}
		p := filepath.Join(dir, "digit"+string(rune('0'+i))+".png")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		args = append(args, p)
		best := 0
		for c, v := range out.Float {
			if v > out.Float[best] {
				best = c
			}
		}
		wants = append(wants, filepath.Base(p)+": "+names[best]+" (confidence")
	}
	code, out, errOut := run(t, grade, args...)
	if code != 0 {
		t.Fatalf("grade = exit %d: %s", code, errOut)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("grade output lacks %q:\n%s", w, out)
		}
	}
	// --json prints one object per image with all class probabilities.
	code, out, errOut = run(t, grade, append([]string{"--json"}, args...)...)
	if code != 0 {
		t.Fatalf("grade --json = exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("grade --json printed %d lines; want 3:\n%s", len(lines), out)
	}
	for k, line := range lines {
		var p struct {
			File       string             `json:"file"`
			Label      string             `json:"label"`
			Confidence float32            `json:"confidence"`
			Probs      map[string]float32 `json:"probabilities"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("grade --json line %q: %v", line, err)
		}
		var sum float32
		for _, v := range p.Probs {
			sum += v
		}
		if !strings.HasPrefix(wants[k], filepath.Base(p.File)+": "+p.Label+" ") || len(p.Probs) != 10 || sum < 0.999 || sum > 1.001 || p.Probs[p.Label] != p.Confidence {
			t.Errorf("grade --json line %d = %+v; want %q with 10 probabilities summing to 1", k, p, wants[k])
		}
	}
	// A file that is not an image is reported and makes the exit code 1.
	bad := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, grade, "--model", modelPath, bad); code != 1 || !strings.Contains(errOut, "notes.txt") {
		t.Errorf("grade(text file) = exit %d, stderr %q; want 1 naming the file", code, errOut)
	}
}

func readTensor(t *testing.T, path string) *onnx.Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := onnx.DecodeTensor(b)
	if err != nil {
		t.Fatal(err)
	}
	return tt
}
