package inference

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gradewatch/gradewatch/inference/onnx"
)

const mnistPath = "testdata/onnx/models/mnist-8/model.onnx"

// mnistSidecar is the preprocessing of the ONNX zoo's mnist-8: input on a
// 0..255 scale, logits out.
const mnistSidecar = `{"labels":["0","1","2","3","4","5","6","7","8","9"],
 "preprocess":{"width":28,"height":28,"channels":1,"layout":"NCHW","scale":255,"mean":[0],"std":[1]},
 "output":"logits"}`

func loadMNIST(t testing.TB) *Model {
	t.Helper()
	b, err := os.ReadFile(mnistPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(b, []byte(mnistSidecar))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mnistSet returns reference input i of mnist-8 as an Image in [0,1] and
// its expected logits (the zoo's output_0.pb).
func mnistSet(t testing.TB, i int) (Image, []float32) {
	t.Helper()
	dir := filepath.Join("testdata/onnx/models/mnist-8", "test_data_set_"+string(rune('0'+i)))
	read := func(name string) *onnx.Tensor {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		tt, err := onnx.DecodeTensor(b)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	in, out := read("input_0.pb"), read("output_0.pb")
	img := Image{Width: 28, Height: 28, Pix: make([]float32, 784)}
	for k, v := range in.Float {
		img.Pix[k] = v / 255
	}
	return img, out.Float
}

func softmax64(x []float32) []float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	out := make([]float64, len(x))
	for k, v := range x {
		out[k] = math.Exp(float64(v) - mx)
		sum += out[k]
	}
	for k := range out {
		out[k] /= sum
	}
	return out
}

func TestClassifyMNIST(t *testing.T) {
	m := loadMNIST(t)
	var imgs []Image
	var wants [][]float32
	for i := 0; i < 3; i++ {
		img, want := mnistSet(t, i)
		imgs = append(imgs, img)
		wants = append(wants, want)
		// The same digit at twice the size: bilinear resizing of a
		// pixel-doubled image gives the original back exactly.
		big := Image{Width: 56, Height: 56, Pix: make([]float32, 56*56)}
		for y := 0; y < 56; y++ {
			for x := 0; x < 56; x++ {
				big.Pix[y*56+x] = img.Pix[(y/2)*28+x/2]
			}
		}
		imgs = append(imgs, big)
		wants = append(wants, want)
	}
	preds, err := m.Classify(context.Background(), imgs)
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range preds {
		want := softmax64(wants[k])
		best := 0
		for c := range want {
			if want[c] > want[best] {
				best = c
			}
			if d := math.Abs(float64(p.Probs[c]) - want[c]); d > 1e-4 {
				t.Errorf("image %d: Probs[%d] = %g; want %g (softmax of the zoo's reference logits)", k, c, p.Probs[c], want[c])
			}
		}
		if p.Index != best || p.Label != string(rune('0'+best)) || p.Confidence != p.Probs[best] {
			t.Errorf("image %d: prediction %d %q %g; want %d", k, p.Index, p.Label, p.Confidence, best)
		}
	}
}

func TestInfoMNIST(t *testing.T) {
	b, err := os.ReadFile(mnistPath)
	if err != nil {
		t.Fatal(err)
	}
	m := loadMNIST(t)
	info := m.Info()
	sum := sha256.Sum256(b)
	// Parameter count: conv 8x1x5x5 + 8 bias, conv 16x8x5x5 + 16 bias,
	// dense 256x10 + 10 bias, plus the two reshape shape tensors (2 each).
	wantParams := int64(8*25 + 8 + 16*8*25 + 16 + 2560 + 10 + 2 + 2)
	want := Info{
		Name: info.Name, SHA256: hex.EncodeToString(sum[:]), IRVersion: 3, Opset: 8, Producer: "CNTK 2.5.1",
		Inputs:  []TensorInfo{{Name: "Input3", Shape: []int{-1, 1, 28, 28}, Type: "float32"}},
		Outputs: []TensorInfo{{Name: "Plus214_Output_0", Shape: []int{-1, 10}, Type: "float32"}},
		Ops:     []string{"Add", "Conv", "MatMul", "MaxPool", "Relu", "Reshape"},
		Params:  wantParams,
		Labels:  []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Preprocess: Preprocess{Width: 28, Height: 28, Channels: 1, Layout: "NCHW", Scale: 255,
			Mean: []float32{0}, Std: []float32{1}},
		Output:      "logits",
		Temperature: 1,
		// The graph reshapes to a fixed [1,256]; the engine keeps the
		// batch there and checked the results against single images.
		BatchFree: true,
	}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("Info() mismatch (-want +got):\n%s", diff)
	}
}

func TestSeedCNNInfo(t *testing.T) {
	m := loadBench(t, "testdata/bench/seed-cnn.onnx")
	info := m.Info()
	if !info.BatchFree || info.Output != OutputProbabilities || info.Preprocess.Layout != "NCHW" {
		t.Errorf("seed-cnn Info = batch free %v, output %q, layout %q; want true, probabilities, NCHW", info.BatchFree, info.Output, info.Preprocess.Layout)
	}
	// 32*1*5*5+32 + 64*32*5*5+64 + 1024*1024+1024 + 10*1024+10 (seed network of issue 2).
	if want := int64(832 + 51264 + 1049600 + 10250); info.Params != want {
		t.Errorf("seed-cnn Params = %d; want %d", info.Params, want)
	}
}

// TestBatchMatchesSingle runs seed-cnn on 7 images at once (chunks of 4,
// 2 and 1 across two threads) and one by one.
func TestBatchMatchesSingle(t *testing.T) {
	m := loadBench(t, "testdata/bench/seed-cnn.onnx")
	m.SetThreads(2)
	const n = 7
	in := randomInput(m, n)
	out := make([]float32, n*m.OutputSize())
	if err := m.Infer(context.Background(), in, n, out); err != nil {
		t.Fatal(err)
	}
	one := make([]float32, m.OutputSize())
	for i := 0; i < n; i++ {
		if err := m.Infer(context.Background(), in[i*m.InputSize():(i+1)*m.InputSize()], 1, one); err != nil {
			t.Fatal(err)
		}
		for c, v := range one {
			if got := out[i*m.OutputSize()+c]; math.Abs(float64(got-v)) > 1e-5 {
				t.Fatalf("image %d class %d: batched %g; single %g", i, c, got, v)
			}
		}
	}
}

func TestInferNoAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a steady state and no race detector")
	}
	for _, tt := range []struct {
		path           string
		batch, threads int
	}{{mnistPath, 1, 1}, {"testdata/bench/seed-cnn.onnx", 1, 1}, {"testdata/bench/seed-cnn.onnx", 8, 1},
		{mnistPath, 4, 2}, {"testdata/bench/seed-cnn.onnx", 8, 2}} {
		m := loadBench(t, tt.path)
		m.SetThreads(tt.threads)
		in := randomInput(m, tt.batch)
		out := make([]float32, tt.batch*m.OutputSize())
		ctx := context.Background()
		// Build one plan per worker for every chunk size the split may
		// use, whatever the scheduler does (AllocsPerRun runs with
		// GOMAXPROCS=1), then warm up.
		for n := 1; n <= tt.batch && (n == 1 || m.batchFree); n *= 2 {
			var ps []*plan
			for w := 0; w < tt.threads; w++ {
				p, err := m.get(n)
				if err != nil {
					t.Fatal(err)
				}
				ps = append(ps, p)
			}
			for _, p := range ps {
				m.put(n, p)
			}
		}
		for i := 0; i < 3; i++ {
			if err := m.Infer(ctx, in, tt.batch, out); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(20, func() {
			if err := m.Infer(ctx, in, tt.batch, out); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Infer(%s, batch %d, %d threads) allocates %v times per run; want 0", tt.path, tt.batch, tt.threads, allocs)
		}
	}
}

// TestClassifyConcurrent checks one model used by several goroutines
// (run with -race) gives the same answers as a single caller.
func TestClassifyConcurrent(t *testing.T) {
	m := loadMNIST(t)
	img, _ := mnistSet(t, 1)
	want, err := m.Classify(context.Background(), []Image{img})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				got, err := m.Classify(context.Background(), []Image{img, img})
				if err != nil {
					errs <- err
					return
				}
				if got[1].Index != want[0].Index || got[1].Confidence != want[0].Confidence {
					errs <- errors.New("concurrent Classify gave a different answer")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClassifyCancelled(t *testing.T) {
	m := loadMNIST(t)
	img, _ := mnistSet(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Classify(ctx, []Image{img}); !errors.Is(err, context.Canceled) {
		t.Errorf("Classify(cancelled) error = %v; want context.Canceled", err)
	}
}

func TestClassifyBadImage(t *testing.T) {
	m := loadMNIST(t)
	nan := Image{Width: 2, Height: 2, Pix: []float32{0, 1, float32(math.NaN()), 0}}
	for _, img := range []Image{{Width: 28, Height: 28, Pix: make([]float32, 10)}, {Width: 0, Height: 5}, nan} {
		if _, err := m.Classify(context.Background(), []Image{img}); err == nil {
			t.Errorf("Classify(%dx%d with %d pixels) = nil error; want an error", img.Width, img.Height, len(img.Pix))
		}
	}
}

func TestLoadErrors(t *testing.T) {
	mnist, err := os.ReadFile(mnistPath)
	if err != nil {
		t.Fatal(err)
	}
	relu, err := os.ReadFile("testdata/onnx/node/test_relu/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	unsupported := bytes.Replace(relu, []byte("Relu"), []byte("Xelu"), 1)
	tests := []struct {
		name    string
		data    []byte
		sidecar string
		want    string
		is      error
	}{
		{"truncated", mnist[:len(mnist)/2], "", "decode onnx model", nil},
		{"not onnx", []byte("hello, world"), "", "decode onnx model", nil},
		{"unsupported op", unsupported, "", `operator "Xelu"`, ErrUnsupportedOp},
		{"label count", mnist, `{"labels":["a","b","c"]}`, "10 values per image but 3 labels", nil},
		{"unknown sidecar key", mnist, `{"lables":["a"]}`, `unknown field "lables"`, nil},
		{"preprocess size", mnist, `{"preprocess":{"width":32}}`, "width 32 does not match", nil},
		{"bad output kind", mnist, `{"output":"scores"}`, `output "scores"`, nil},
		{"bad std", mnist, `{"preprocess":{"std":[0]}}`, "std must not be 0", nil},
		{"labels on a non-image model", relu, `{"labels":["a","b"]}`, "cannot classify", nil},
		{"zero temperature", mnist, `{"temperature":0}`, "must be a positive number", nil},
		{"negative temperature", mnist, `{"temperature":-2}`, "must be a positive number", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var side []byte
			if tt.sidecar != "" {
				side = []byte(tt.sidecar)
			}
			_, err := Load(tt.data, side)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v; want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Load() error = %v; want errors.Is %v", err, tt.is)
			}
		})
	}
}

// TestMetadataProps reads labels and preprocessing from metadata_props of
// an NHWC model (input [N,4,4,1] transposed to NCHW inside the graph, as
// tf2onnx exports Keras models).
func TestMetadataProps(t *testing.T) {
	w := make([]float32, 16*3)
	for k := range w {
		w[k] = float32(k%5) - 2
	}
	md := tModel{
		nodes: []tNode{
			{op: "Transpose", inputs: []string{"x"}, outputs: []string{"t"}, attrs: []tAttr{attrIs("perm", 0, 3, 1, 2)}},
			{op: "Flatten", inputs: []string{"t"}, outputs: []string{"f"}},
			{op: "MatMul", inputs: []string{"f", "w"}, outputs: []string{"y"}},
		},
		inits:   []tInit{{name: "w", dims: []int64{16, 3}, data: w}},
		inputs:  []tIO{{name: "x", dims: []int64{-1, 4, 4, 1}}},
		outputs: []tIO{{name: "y", dims: []int64{-1, 3}}},
		metadata: map[string]string{
			MetaLabels:     `["ok","scratch","dent"]`,
			MetaPreprocess: `{"scale":2,"mean":[1],"std":[0.5]}`,
		},
	}
	m, err := Load(md.encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	wantPP := Preprocess{Width: 4, Height: 4, Channels: 1, Layout: "NHWC", Scale: 2, Mean: []float32{1}, Std: []float32{0.5}}
	if diff := cmp.Diff(wantPP, info.Preprocess); diff != "" {
		t.Errorf("Preprocess mismatch (-want +got):\n%s", diff)
	}
	img := Image{Width: 4, Height: 4, Pix: make([]float32, 16)}
	for k := range img.Pix {
		img.Pix[k] = float32(k) / 16
	}
	preds, err := m.Classify(context.Background(), []Image{img})
	if err != nil {
		t.Fatal(err)
	}
	// Expected: logits = sum_k ((pix*2-1)/0.5) * w[k][c], then softmax.
	logits := make([]float32, 3)
	for k, p := range img.Pix {
		for c := 0; c < 3; c++ {
			logits[c] += (p*2 - 1) / 0.5 * w[k*3+c]
		}
	}
	want := softmax64(logits)
	for c := range want {
		if math.Abs(float64(preds[0].Probs[c])-want[c]) > 1e-5 {
			t.Errorf("Probs[%d] = %g; want %g", c, preds[0].Probs[c], want[c])
		}
	}
	if preds[0].Label != info.Labels[preds[0].Index] {
		t.Errorf("Label = %q; want %q", preds[0].Label, info.Labels[preds[0].Index])
	}
}

func FuzzLoad(f *testing.F) {
	for _, p := range []string{mnistPath, "testdata/onnx/node/test_conv_with_strides_padding/model.onnx",
		"testdata/onnx/node/test_reshape_negative_dim/model.onnx", "testdata/onnx/pytorch-converted/test_Conv2d_depthwise_with_multiplier/model.onnx",
		"testdata/onnx/node/test_maxpool_2d_ceil/model.onnx", "testdata/onnx/node/test_gemm_all_attributes/model.onnx",
		"testdata/onnx/node/test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True/model.onnx",
		"testdata/onnx/node/test_transpose_all_permutations_3/model.onnx", "testdata/onnx/node/test_constant_pad_axes/model.onnx",
		"testdata/onnx/node/test_gather_2d_indices/model.onnx", "testdata/onnx/node/test_matmul_4d_1d/model.onnx",
		"testdata/onnx/node/test_reduce_mean_keepdims_random/model.onnx", "testdata/onnx/node/test_softmax_axis_1/model.onnx",
		"testdata/onnx/pytorch-converted/test_PixelShuffle/model.onnx", "testdata/onnx/node/test_maxpool_with_argmax_2d_precomputed_strides/model.onnx"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(nil))
	}
	f.Add([]byte{}, []byte(mnistSidecar))
	f.Fuzz(func(t *testing.T, data, side []byte) {
		m, err := Load(data, side)
		if err != nil {
			return
		}
		if m.inSize > 0 && m.inSize < 1<<16 {
			in := make([]float32, m.inSize)
			out := make([]float32, m.outSize)
			_ = m.Infer(context.Background(), in, 1, out)
		}
		// Run the graph on small inputs of the declared shapes, ones for
		// integer inputs, to exercise the operators on mutated attributes.
		var feed []Tensor
		for k := range m.g.inputs {
			s, err := m.g.declared(k)
			if err != nil || size(s) > 1<<12 {
				return
			}
			tt := Tensor{Shape: s}
			if m.g.inputs[k].dt == dtFloat {
				tt.Float = make([]float32, size(s))
			} else {
				tt.Int = make([]int64, size(s))
				for j := range tt.Int {
					tt.Int[j] = 1
				}
			}
			feed = append(feed, tt)
		}
		_, _ = m.Run(context.Background(), feed)
	})
}

// TestFusion checks that mnist-8's Conv -> Add(bias) -> Relu chains and
// its final MatMul -> Add(bias) run as single steps (the conformance test
// checks the numbers).
func TestFusion(t *testing.T) {
	m := loadMNIST(t)
	p, err := m.get(1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.put(1, p)
	var got []string
	for _, s := range p.steps {
		got = append(got, s.node.OpType)
	}
	want := []string{"Conv", "MaxPool", "Conv", "MaxPool", "MatMul"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mnist-8 plan steps mismatch (-want +got):\n%s", diff)
	}
}
