package inference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

// MaxModelBytes is the largest model file LoadFile reads.
const MaxModelBytes = 1 << 30

// maxChunk is the largest batch one plan runs; larger batches are split.
const maxChunk = 64

// TensorInfo describes a model input or output. Shape has -1 where the
// dimension is free (the batch) or unknown.
type TensorInfo struct {
	Name  string
	Shape []int
	Type  string
}

// Info describes a loaded model.
type Info struct {
	Name      string
	SHA256    string // hex SHA-256 of the .onnx bytes
	IRVersion int64
	Opset     int64
	Producer  string
	Inputs    []TensorInfo
	Outputs   []TensorInfo
	Ops       []string // operator types used, sorted
	Params    int64    // elements in initializers
	Labels    []string
	// Preprocess is the resolved preprocessing (defaults filled in); it is
	// the zero value when the model's input is not an image.
	Preprocess Preprocess
	// Output is "logits" or "probabilities": how Classify treats the
	// model's first output.
	Output string
	// Temperature divides logits before the softmax (1 unless the
	// metadata gives one); it does not apply to probabilities.
	Temperature float32
	// BatchFree reports whether the model runs several images in one
	// pass. A graph that fixes the batch at 1 in a Reshape (mnist-8) is
	// batched when the engine can keep the batch there and two images
	// together give the same results as alone (checked at load);
	// otherwise images run one at a time.
	BatchFree bool
}

// Model is a loaded, validated ONNX model. It is safe for concurrent use:
// each running call takes a plan (buffers for one batch size) from a pool.
type Model struct {
	g         *graph
	info      Info
	meta      sidecar
	batchFree bool
	inSize    int // input elements per image (first input)
	outSize   int // output elements per image (first output)
	threads   atomic.Int32
	chunkCap  atomic.Int32 // largest batch one plan runs, at most maxChunk

	mu         sync.Mutex
	pools      map[int]*planPool
	shapePlans map[string][]*plan // plans of Run, by input shapes
	fanouts    []*fanout          // reusable state of multi-threaded Infer calls
}

type planPool struct {
	free []*plan
}

// LoadFile reads and validates the model at path, with the sidecar JSON
// file beside it (model.json for model.onnx) when there is one.
func LoadFile(ctx context.Context, path string) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	if st.Size() > MaxModelBytes {
		return nil, fmt.Errorf("load model %s: file has %d bytes, more than the limit of %d", path, st.Size(), MaxModelBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	sidePath := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
	side, err := os.ReadFile(sidePath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load model %s: sidecar %s: %w", path, sidePath, err)
	}
	m, err := Load(data, side)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	m.info.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return m, nil
}

// Load decodes and validates a model from the bytes of an .onnx file and
// an optional sidecar JSON (nil for none). Validation builds a plan for one
// image and runs it on zeros; when labels are given, the output must have
// one value per label.
func Load(data []byte, side []byte) (*Model, error) {
	om, err := onnx.Decode(data)
	if err != nil {
		return nil, err
	}
	g, err := compile(om)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(om, side)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	m := &Model{g: g, meta: meta, pools: map[int]*planPool{}}
	m.threads.Store(int32(runtime.GOMAXPROCS(0)))
	m.chunkCap.Store(maxChunk)
	m.info = Info{
		Name:      om.Graph.Name,
		SHA256:    hex.EncodeToString(sum[:]),
		IRVersion: om.IRVersion,
		Opset:     g.opset,
		Producer:  strings.TrimSpace(om.ProducerName + " " + om.ProducerVersion),
		Labels:    meta.Labels,
	}
	seen := map[string]bool{}
	for _, n := range g.nodes {
		if !seen[n.OpType] {
			seen[n.OpType] = true
			m.info.Ops = append(m.info.Ops, n.OpType)
		}
	}
	sort.Strings(m.info.Ops)
	for _, v := range g.consts {
		m.info.Params += int64(v.size())
	}
	if err := fixImageDims(g, meta.Preprocess); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// validate plans the model for one image, runs it on zeros, and works out
// the per-image sizes, batch freedom, preprocessing and output kind.
func (m *Model) validate() error {
	g := m.g
	for _, in := range g.inputs {
		m.info.Inputs = append(m.info.Inputs, TensorInfo{Name: in.name, Shape: freeBatch(in.shape), Type: typeName(in.onnx, in.dt)})
	}
	shapes := make([][]int, len(g.inputs))
	for k := range g.inputs {
		s, err := g.declared(k)
		if err != nil {
			return fmt.Errorf("plan model: %w", err)
		}
		shapes[k] = s
	}
	p, err := g.build(shapes, nil)
	if err != nil {
		if !g.hasIntInputs() || !errors.Is(err, errDynamic) {
			return fmt.Errorf("plan model for its declared input shapes: %w", err)
		}
		// Integer inputs may be shapes or axes whose values are only
		// known at run time: such models are checked when Run is called.
		// They are not image classifiers.
		if len(m.meta.Labels) > 0 || m.meta.Preprocess != nil || m.meta.Temperature != nil {
			return fmt.Errorf("labels, preprocessing or temperature are given, but the model takes integer inputs; it cannot classify images")
		}
		for _, o := range g.outInfo {
			ti := TensorInfo{Name: o.Name, Type: typeName(o.ElemType, dtFloat)}
			for _, d := range o.Shape {
				v := -1
				if d.HasValue {
					v = int(d.Value)
				}
				ti.Shape = append(ti.Shape, v)
			}
			m.info.Outputs = append(m.info.Outputs, ti)
		}
		return nil
	}
	// Integer inputs are indices or shapes that zeros may not suit (a
	// division by zero, say); such models are checked when Run is called.
	if !g.hasIntInputs() {
		if err := p.run(context.Background()); err != nil {
			return fmt.Errorf("dry run on zeros: %w", err)
		}
	}
	for k, o := range p.outputs {
		m.info.Outputs = append(m.info.Outputs, TensorInfo{Name: o.name, Shape: freeBatch(o.shape), Type: typeName(g.outInfo[k].ElemType, o.dt)})
	}
	if len(g.inputs) != 1 || len(shapes[0]) == 0 || shapes[0][0] != 1 || len(p.outputs[0].shape) == 0 {
		// Not a per-image model: only Run applies.
		if len(m.meta.Labels) > 0 || m.meta.Preprocess != nil || m.meta.Temperature != nil {
			return fmt.Errorf("labels, preprocessing or temperature are given, but the model does not take one image input with a batch dimension (inputs %v); it cannot classify", m.info.Inputs)
		}
		return nil
	}
	m.inSize = p.inputs[0].size()
	m.outSize = p.outputs[0].size()
	m.put(1, p)
	// The batch is free when the graph plans for two images with the
	// first output growing accordingly and two different images give the
	// same results together as alone.
	if p2, err := m.plan(2); err == nil && p2.outputs[0].size() == 2*m.outSize && p2.outputs[0].shape[0] == 2 && g.inputs[0].dt == dtFloat {
		same, err := m.batchMatches(p, p2)
		if err != nil {
			return fmt.Errorf("dry run of two images: %w", err)
		}
		if same {
			m.batchFree = true
			m.put(2, p2)
		}
	}
	m.info.BatchFree = m.batchFree
	if n := len(m.meta.Labels); n > 0 && n != m.outSize {
		return fmt.Errorf("model output %q has %d values per image but %d labels are given; fix the labels in the sidecar JSON or metadata", p.outputs[0].name, m.outSize, n)
	}
	if len(g.inputs) == 1 && g.inputs[0].dt == dtFloat {
		pp, err := resolvePreprocess(m.meta.Preprocess, g.inputs[0])
		if err != nil {
			if m.meta.Preprocess != nil {
				return err
			}
		} else {
			m.info.Preprocess = pp
		}
	}
	m.info.Output = m.meta.Output
	if m.info.Output == "" {
		m.info.Output = OutputLogits
		if endsInSoftmax(g) {
			m.info.Output = OutputProbabilities
		}
	}
	m.info.Temperature = 1
	if t := m.meta.Temperature; t != nil {
		if m.info.Output != OutputLogits {
			return fmt.Errorf("temperature %g is given but the model outputs probabilities; temperature scaling applies to logits only", *t)
		}
		m.info.Temperature = *t
	}
	return nil
}

// batchMatches runs two different inputs through p2 (a plan for two
// images) and each through p1 (one image) and reports whether the results
// agree, which shows that the batch dimension really is per image.
func (m *Model) batchMatches(p1, p2 *plan) (bool, error) {
	in, out := m.inSize, m.outSize
	for k := range p2.inputs[0].f {
		// Two different, deterministic images.
		p2.inputs[0].f[k] = float32((k*7919)%251) / 251
	}
	if err := p2.run(context.Background()); err != nil {
		return false, err
	}
	for i := 0; i < 2; i++ {
		copy(p1.inputs[0].f, p2.inputs[0].f[i*in:(i+1)*in])
		if err := p1.run(context.Background()); err != nil {
			return false, err
		}
		for k, want := range p1.outputs[0].f {
			got := p2.outputs[0].f[i*out+k]
			d := math.Abs(float64(got - want))
			if !(d <= 1e-4+1e-3*math.Abs(float64(want))) && !(got != got && want != want) {
				return false, nil
			}
		}
	}
	return true, nil
}

// fixImageDims gives a single rank-4 input with symbolic image dimensions
// (fully convolutional models) the size from the preprocessing metadata,
// so that the model can be planned.
func fixImageDims(g *graph, pp *Preprocess) error {
	if len(g.inputs) != 1 || len(g.inputs[0].shape) != 4 || pp == nil {
		return nil
	}
	s := g.inputs[0].shape
	if s[1] > 0 && s[2] > 0 && s[3] > 0 {
		return nil
	}
	c, h, w := 1, 2, 3 // NCHW positions
	if pp.Layout == "NHWC" {
		c, h, w = 3, 1, 2
	}
	for _, d := range []struct {
		pos, val int
		name     string
	}{{c, pp.Channels, "channels"}, {h, pp.Height, "height"}, {w, pp.Width, "width"}} {
		if s[d.pos] > 0 {
			continue
		}
		if d.val <= 0 {
			return fmt.Errorf("input %q has a symbolic %s; give preprocess %s in the sidecar JSON or metadata", g.inputs[0].name, d.name, d.name)
		}
		s[d.pos] = d.val
	}
	return nil
}

// endsInSoftmax reports whether the first graph output comes straight
// from a Softmax node.
func endsInSoftmax(g *graph) bool {
	for _, n := range g.nodes {
		for _, o := range n.Outputs {
			if o == g.outputs[0] {
				return n.OpType == "Softmax"
			}
		}
	}
	return false
}

// typeName names an element type as Go does (float32, int64, uint8,
// bool), from the declared ONNX type or, when none is declared, from the
// engine's storage type.
func typeName(d onnx.DataType, dt dtype) string {
	switch d {
	case onnx.Float:
		return "float32"
	case onnx.Undefined:
		return dt.String()
	case onnx.Bool:
		return "bool"
	}
	return strings.ToLower(d.String())
}

func freeBatch(s []int) []int {
	out := append([]int(nil), s...)
	if len(out) > 0 {
		out[0] = -1
	}
	return out
}

// Info returns the model's description.
func (m *Model) Info() Info {
	info := m.info
	info.Ops = append([]string(nil), info.Ops...)
	info.Labels = append([]string(nil), info.Labels...)
	return info
}

// SetThreads sets how many goroutines Infer and Classify split a batch
// across; n < 1 means one per CPU.
func (m *Model) SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	m.threads.Store(int32(n))
}

// plan builds a new plan for a batch of n.
func (m *Model) plan(n int) (*plan, error) {
	shapes, err := m.g.shapesForBatch(n)
	if err != nil {
		return nil, err
	}
	rebatch := 0
	if s := m.g.inputs[0].shape; n > 1 && len(s) > 0 && s[0] == 1 {
		rebatch = n
	}
	return m.g.buildBatch(shapes, nil, rebatch)
}

// get takes a plan for a batch of n from the pool, building one if none
// is free.
func (m *Model) get(n int) (*plan, error) {
	m.mu.Lock()
	if pp := m.pools[n]; pp != nil && len(pp.free) > 0 {
		p := pp.free[len(pp.free)-1]
		pp.free = pp.free[:len(pp.free)-1]
		m.mu.Unlock()
		return p, nil
	}
	m.mu.Unlock()
	return m.plan(n)
}

func (m *Model) put(n int, p *plan) {
	m.mu.Lock()
	pp := m.pools[n]
	if pp == nil {
		pp = &planPool{}
		m.pools[n] = pp
	}
	pp.free = append(pp.free, p)
	m.mu.Unlock()
}

// InputSize returns the number of float32 values of one image's input.
func (m *Model) InputSize() int { return m.inSize }

// OutputSize returns the number of float32 values of one image's output.
func (m *Model) OutputSize() int { return m.outSize }

// Infer runs the model's first input and output on a batch: in holds
// batch*InputSize() values, out receives batch*OutputSize(). The batch is
// split across the threads set by SetThreads. Infer does not allocate once
// plans for the batch sizes and concurrency used exist.
func (m *Model) Infer(ctx context.Context, in []float32, batch int, out []float32) error {
	if m.inSize == 0 || m.g.inputs[0].dt != dtFloat || m.info.Outputs[0].Type != "float32" {
		return fmt.Errorf("infer: the model must have one float input with a batch dimension and a float first output")
	}
	if batch < 0 || len(in) != batch*m.inSize || len(out) != batch*m.outSize {
		return fmt.Errorf("infer: batch %d needs %d input and %d output values; got %d and %d", batch, batch*m.inSize, batch*m.outSize, len(in), len(out))
	}
	t := int(m.threads.Load())
	if t > batch {
		t = batch
	}
	if t <= 1 {
		return m.inferRange(ctx, in, out, 0, batch)
	}
	return m.inferShared(ctx, in, out, batch, t)
}

// inferRange runs images [lo, hi) in chunks whose sizes are powers of two
// up to maxChunk, so that few distinct plans are ever built.
func (m *Model) inferRange(ctx context.Context, in, out []float32, lo, hi int) error {
	for lo < hi {
		n := 1
		if m.batchFree {
			limit := int(m.chunkCap.Load())
			for n*2 <= hi-lo && n*2 <= limit {
				n *= 2
			}
		}
		p, err := m.get(n)
		if err != nil && n > 1 {
			// A large model may exceed the per-plan memory or work
			// limit at this batch size: run smaller batches from now on.
			m.chunkCap.Store(int32(n / 2))
			continue
		}
		if err != nil {
			return fmt.Errorf("plan batch of %d: %w", n, err)
		}
		copy(p.inputs[0].f, in[lo*m.inSize:(lo+n)*m.inSize])
		err = p.run(ctx)
		if err == nil {
			copy(out[lo*m.outSize:(lo+n)*m.outSize], p.outputs[0].f)
		}
		m.put(n, p)
		if err != nil {
			return err
		}
		lo += n
	}
	return nil
}
