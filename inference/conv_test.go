package inference

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConv is a direct convolution, written for clarity, used as the
// reference for the engine's Conv: x is [N][C][D...], w is
// [M][C/group][K...], pads are begin then end per spatial dimension.
func naiveConv(x []float32, xs []int, w []float32, ws []int, bias []float32, strides, dils, pads []int, group int) ([]float32, []int) {
	sp := len(xs) - 2
	n, c, m := xs[0], xs[1], ws[0]
	cg, mg := c/group, m/group
	out := []int{n, m}
	for d := 0; d < sp; d++ {
		out = append(out, (xs[2+d]+pads[d]+pads[sp+d]-dils[d]*(ws[2+d]-1)-1)/strides[d]+1)
	}
	y := make([]float32, size(out))
	outSp, kSp := out[2:], ws[2:]
	// unravel turns a flat index into coordinates of shape s.
	unravel := func(i int, s []int) []int {
		co := make([]int, len(s))
		for d := len(s) - 1; d >= 0; d-- {
			co[d] = i % s[d]
			i /= s[d]
		}
		return co
	}
	for b := 0; b < n; b++ {
		for oc := 0; oc < m; oc++ {
			g := oc / mg
			for op := 0; op < size(outSp); op++ {
				o := unravel(op, outSp)
				var sum float64
				if bias != nil {
					sum = float64(bias[oc])
				}
				for ic := 0; ic < cg; ic++ {
					for kp := 0; kp < size(kSp); kp++ {
						k := unravel(kp, kSp)
						xi := (b*c + g*cg + ic)
						inside := true
						for d := 0; d < sp; d++ {
							p := o[d]*strides[d] - pads[d] + k[d]*dils[d]
							if p < 0 || p >= xs[2+d] {
								inside = false
								break
							}
							xi = xi*xs[2+d] + p
						}
						if !inside {
							continue
						}
						sum += float64(x[xi]) * float64(w[(oc*cg+ic)*size(kSp)+kp])
					}
				}
				y[(b*m+oc)*size(outSp)+op] = float32(sum)
			}
		}
	}
	return y, out
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for k := range s {
		s[k] = r.Float32()*2 - 1
	}
	return s
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for k, x := range v {
		out[k] = int64(x)
	}
	return out
}

// TestConvAgainstNaive compares Conv (both the packed kernels path with
// constant weights and the generic path with weights fed as an input)
// with naiveConv on seeded random data.
func TestConvAgainstNaive(t *testing.T) {
	tests := []struct {
		x, w                []int
		strides, dils, pads []int
		group               int
		bias                bool
	}{
		{x: []int{1, 1, 28, 28}, w: []int{8, 1, 5, 5}, strides: []int{1, 1}, dils: []int{1, 1}, pads: []int{2, 2, 2, 2}, group: 1, bias: true},
		{x: []int{2, 3, 9, 7}, w: []int{4, 3, 3, 2}, strides: []int{2, 1}, dils: []int{1, 2}, pads: []int{1, 0, 2, 1}, group: 1},
		{x: []int{1, 4, 8, 8}, w: []int{6, 2, 3, 3}, strides: []int{1, 1}, dils: []int{1, 1}, pads: []int{1, 1, 1, 1}, group: 2, bias: true},
		{x: []int{2, 5, 6, 6}, w: []int{5, 1, 3, 3}, strides: []int{2, 2}, dils: []int{1, 1}, pads: []int{0, 1, 1, 0}, group: 5, bias: true},
		{x: []int{1, 3, 6, 6}, w: []int{4, 3, 1, 1}, strides: []int{1, 1}, dils: []int{1, 1}, pads: []int{0, 0, 0, 0}, group: 1},
		{x: []int{3, 2, 11}, w: []int{3, 2, 4}, strides: []int{3}, dils: []int{2}, pads: []int{2, 1}, group: 1, bias: true},
		{x: []int{1, 2, 1}, w: []int{2, 2, 5}, strides: []int{1}, dils: []int{1}, pads: []int{2, 2}, group: 1},
		{x: []int{1, 2, 5, 4, 6}, w: []int{3, 2, 2, 3, 2}, strides: []int{1, 2, 1}, dils: []int{2, 1, 1}, pads: []int{1, 0, 1, 0, 1, 1}, group: 1, bias: true},
	}
	r := rand.New(rand.NewPCG(7, 11))
	for _, tt := range tests {
		for _, constW := range []bool{true, false} {
			name := fmt.Sprintf("x%v_w%v_s%v_d%v_p%v_g%d_const%v", tt.x, tt.w, tt.strides, tt.dils, tt.pads, tt.group, constW)
			t.Run(name, func(t *testing.T) {
				x, w := randSlice(r, size(tt.x)), randSlice(r, size(tt.w))
				var bias []float32
				inputs := []string{"x", "w"}
				if tt.bias {
					bias = randSlice(r, tt.w[0])
					inputs = append(inputs, "b")
				}
				want, wantShape := naiveConv(x, tt.x, w, tt.w, bias, tt.strides, tt.dils, tt.pads, tt.group)
				md := tModel{
					nodes: []tNode{{op: "Conv", inputs: inputs, outputs: []string{"y"}, attrs: []tAttr{
						attrIs("strides", ints64(tt.strides)...), attrIs("dilations", ints64(tt.dils)...),
						attrIs("pads", ints64(tt.pads)...), attrI("group", int64(tt.group))}}},
					inputs:  []tIO{{name: "x", dims: ints64(tt.x)}},
					outputs: []tIO{{name: "y", dims: ints64(wantShape)}},
				}
				feed := []Tensor{{Shape: tt.x, Float: x}}
				if constW {
					md.inits = append(md.inits, tInit{name: "w", dims: ints64(tt.w), data: w})
				} else {
					md.inputs = append(md.inputs, tIO{name: "w", dims: ints64(tt.w)})
					feed = append(feed, Tensor{Shape: tt.w, Float: w})
				}
				if tt.bias {
					md.inits = append(md.inits, tInit{name: "b", dims: []int64{int64(tt.w[0])}, data: bias})
				}
				m, err := Load(md.encode(), nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Run(context.Background(), feed)
				if err != nil {
					t.Fatal(err)
				}
				if !sameShape(got[0].Shape, wantShape) {
					t.Fatalf("Conv shape = %v; want %v", got[0].Shape, wantShape)
				}
				for k := range want {
					if d := math.Abs(float64(got[0].Float[k] - want[k])); d > 1e-5+1e-4*math.Abs(float64(want[k])) {
						t.Fatalf("Conv[%d] = %g; want %g (naive direct convolution)", k, got[0].Float[k], want[k])
					}
				}
			})
		}
	}
}

// TestConvAddReluFusion runs Conv -> Add(constant) -> Relu with biases that
// the Conv can apply itself ([C,1,1], [1,C,1,1]) and ones it cannot (a
// scalar, a per-column row), which must run as separate nodes; all must
// match naiveConv followed by the Add and Relu.
func TestConvAddReluFusion(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	xs, ws := []int{2, 3, 6, 5}, []int{4, 3, 3, 3}
	x, w := randSlice(r, size(xs)), randSlice(r, size(ws))
	conv, outShape := naiveConv(x, xs, w, ws, nil, []int{1, 1}, []int{1, 1}, []int{1, 1, 1, 1}, 1)
	tests := []struct {
		name string
		dims []int64
		at   func(n, c, h, w int) int // index into the bias for an output element
	}{
		{"channel [C,1,1]", []int64{4, 1, 1}, func(_, c, _, _ int) int { return c }},
		{"channel [1,C,1,1]", []int64{1, 4, 1, 1}, func(_, c, _, _ int) int { return c }},
		{"scalar", []int64{1}, func(_, _, _, _ int) int { return 0 }},
		{"row [W]", []int64{5}, func(_, _, _, w int) int { return w }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bias := randSlice(r, size(ints(tt.dims)))
			md := tModel{
				nodes: []tNode{
					{op: "Conv", inputs: []string{"x", "w"}, outputs: []string{"c"}, attrs: []tAttr{attrIs("pads", 1, 1, 1, 1)}},
					{op: "Add", inputs: []string{"b", "c"}, outputs: []string{"a"}},
					{op: "Relu", inputs: []string{"a"}, outputs: []string{"y"}},
				},
				inits:   []tInit{{name: "w", dims: ints64(ws), data: w}, {name: "b", dims: tt.dims, data: bias}},
				inputs:  []tIO{{name: "x", dims: ints64(xs)}},
				outputs: []tIO{{name: "y"}},
			}
			m, err := Load(md.encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Run(context.Background(), []Tensor{{Shape: xs, Float: x}})
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for n := 0; n < outShape[0]; n++ {
				for c := 0; c < outShape[1]; c++ {
					for h := 0; h < outShape[2]; h++ {
						for wi := 0; wi < outShape[3]; wi++ {
							want := max(conv[k]+bias[tt.at(n, c, h, wi)], 0)
							if math.Abs(float64(got[0].Float[k]-want)) > 1e-5 {
								t.Fatalf("y[%d] = %g; want %g", k, got[0].Float[k], want)
							}
							k++
						}
					}
				}
			}
		})
	}
}
