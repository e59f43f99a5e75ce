package inference

import (
	"fmt"

	"github.com/gradewatch/gradewatch/inference/kernels"
)

func init() {
	ops["Conv"] = buildConv
}

// buildConv plans Conv for 1 to 3 spatial dimensions, any group count,
// dilations, strides, explicit or automatic pads. 1-D and 2-D
// convolutions with constant weights use the packed kernels.Conv2D (or
// DepthwiseConv2D); others use im2col and kernels.Sgemm.
func buildConv(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	wv, err := c.needFloat(1)
	if err != nil {
		return err
	}
	bv := c.input(2)
	if len(x.shape) < 3 || len(wv.shape) != len(x.shape) {
		return fmt.Errorf("input %v and weights %v must both have rank 3 to 5", x.shape, wv.shape)
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	n, ch, m := x.shape[0], x.shape[1], wv.shape[0]
	if group <= 0 || int64(ch)%group != 0 || int64(m)%group != 0 || int64(wv.shape[1])*group != int64(ch) {
		return fmt.Errorf("group %d does not fit input channels %d and weights %v", group, ch, wv.shape)
	}
	g := int(group)
	if bv != nil && (bv.dt != dtFloat || bv.size() != m) {
		return fmt.Errorf("bias %v must have %d values", bv.shape, m)
	}
	w, err := readWindow(c, x.shape, wv.shape[2:], false)
	if err != nil {
		return err
	}
	if err := c.work(n*m*w.outSize(), ch/g*w.taps()); err != nil {
		return err
	}
	y, err := c.newOut(0, w.outShape(n, m))
	if err != nil {
		return err
	}
	cg, mg := ch/g, m/g
	inImg, outImg := ch*w.inSize(), m*w.outSize()
	fusedBias, act := c.fusedOps(func(b *value) bool {
		return bv == nil && channelBias(b, m, len(x.shape))
	})
	ws := c.p.ws
	bias := func() []float32 {
		if bv == nil {
			return fusedBias // from the Add that follows, if any (see fuse.go)
		}
		return bv.f
	}
	// kernels.Conv2D does not handle a left or top pad wider than the
	// output (1-D convs of a 1-pixel input, say); those take the generic
	// path below.
	wide := (w.padB[1]+w.stride[1]-1)/w.stride[1] > w.out[1] || (w.padB[2]+w.stride[2]-1)/w.stride[2] > w.out[2]
	if w.spatial <= 2 && !wide {
		s := kernels.ConvShape{InC: cg, InH: w.in[1], InW: w.in[2], OutC: mg, KH: w.k[1], KW: w.k[2],
			StrideH: w.stride[1], StrideW: w.stride[2], DilH: w.dil[1], DilW: w.dil[2],
			PadTop: w.padB[1], PadLeft: w.padB[2], PadBottom: w.padE[1], PadRight: w.padE[2]}
		if err := s.Validate(); err != nil {
			return err
		}
		if g == ch && g == m {
			sd := s // all channels at once
			sd.InC, sd.OutC = ch, m
			c.run = func() error {
				for i := 0; i < n; i++ {
					kernels.DepthwiseConv2D(sd, wv.f, bias(), act, x.f[i*inImg:(i+1)*inImg], y.f[i*outImg:(i+1)*outImg])
				}
				return nil
			}
			return nil
		}
		if wv.konst {
			packs := make([]*kernels.PackedA, g)
			wg := mg * s.K()
			for gi := range packs {
				if packs[gi], err = c.g.packedA(packKey{c.node, gi}, func() (*kernels.PackedA, error) {
					return kernels.PackConvWeights(s, wv.f[gi*wg:(gi+1)*wg])
				}); err != nil {
					return err
				}
			}
			scratch, err := c.scratch(s.ColSize())
			if err != nil {
				return err
			}
			c.run = func() error {
				b := bias()
				for i := 0; i < n; i++ {
					for gi := 0; gi < g; gi++ {
						var bg []float32
						if b != nil {
							bg = b[gi*mg : (gi+1)*mg]
						}
						src := x.f[i*inImg+gi*cg*w.inSize() : i*inImg+(gi+1)*cg*w.inSize()]
						dst := y.f[i*outImg+gi*mg*w.outSize() : i*outImg+(gi+1)*mg*w.outSize()]
						ws.Conv2D(s, packs[gi], bg, act, src, dst, scratch)
					}
				}
				return nil
			}
			return nil
		}
	}
	k := cg * w.kSize()
	cols := w.outSize()
	col, err := c.scratch(k * cols)
	if err != nil {
		return err
	}
	c.run = func() error {
		b := bias()
		for i := 0; i < n; i++ {
			for gi := 0; gi < g; gi++ {
				src := x.f[i*inImg+gi*cg*w.inSize():]
				dst := y.f[i*outImg+gi*mg*cols : i*outImg+(gi+1)*mg*cols]
				im2col3(w, cg, src, col)
				ws.Sgemm(false, false, mg, cols, k, 1, wv.f[gi*mg*k:], k, col, cols, 0, dst, cols)
				var bg []float32
				if b != nil {
					bg = b[gi*mg : (gi+1)*mg]
				}
				kernels.BiasActivation(mg, cols, bg, act, dst)
			}
		}
		return nil
	}
	return nil
}

// scratch allocates n floats of working space for the plan.
func (c *nodeCtx) scratch(n int) ([]float32, error) {
	if err := c.checkAlloc(n); err != nil {
		return nil, err
	}
	return make([]float32, n), nil
}
