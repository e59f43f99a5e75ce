package kernels

import (
	"fmt"
	"math"
)

// im2colPacked writes the im2col matrix of src (see Im2col) straight into
// the packed layout of PackB: K() x N with N = OutH*OutW, blocks of
// kcBlock rows, panels of nr columns, zero-padded to a multiple of nr
// columns. It replaces Im2col followed by packing, which would write and
// read the matrix twice.
//
// A padded input is first copied into pad with the convolution's zero
// borders (and a small tail margin), so that every tap is an in-bounds
// read: element (p, j) of the matrix is plane[rowOff(p) + base(j)], one
// offset per row and one per column. With stride 1 and output rows of 8 or
// more, each 8-column half of a panel is at most two contiguous runs of the
// input and is built with two loads and a blend (runPanelAVX2); otherwise
// with VGATHERDPS, whose microcode is slow on recent Intel CPUs, or in Go
// without AVX2. dst must hold packedColSize(s) floats and pad
// paddedSize(s).
func im2colPacked(s ConvShape, src, dst, pad []float32) {
	oh, ow := s.OutH(), s.OutW()
	n := oh * ow
	nPad := roundUp(n, nr)
	k := s.K()
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	plane, hp, wp := padInput(s, src, pad)
	if len(plane) > math.MaxInt32 {
		panic(fmt.Sprintf("kernels: conv input of %d floats is too large for 32-bit offsets", len(plane)))
	}
	dst = dst[:nPad*k]
	var rowOff [kcBlock]int32
	var base, mask [nr]int32
	var runs panelRuns
	// Row r of the matrix is tap (c, kh, kw) with r = (c*KH+kh)*KW+kw;
	// counters avoid a 64-bit division per row and per column.
	c, kh, kw := 0, 0, 0
	for pc := 0; pc < k; pc += kcBlock {
		kc := min(kcBlock, k-pc)
		block := dst[nPad*pc : nPad*pc+nPad*kc]
		for p := 0; p < kc; p++ {
			rowOff[p] = int32(c*hp*wp + kh*dh*wp + kw*dw)
			if kw++; kw == s.KW {
				kw = 0
				if kh++; kh == s.KH {
					kh = 0
					c++
				}
			}
		}
		y, x := 0, 0 // output position of column j0
		for j0 := 0; j0 < n; j0 += nr {
			last := int(rowOff[kc-1])
			panel := block[j0*kc : j0*kc+nr*kc]
			if useAVX2 && sw == 1 && ow >= 8 {
				// Each half of the panel is at most two runs; their
				// offsets follow from (y, x) without a per-lane pass.
				runs.fromPosition(y, x, j0, n, ow, sh*wp)
				if last+runs.maxOff()+8 <= len(plane) {
					runPanelAVX2(kc, &plane[0], &rowOff[0], &runs, &panel[0])
					for x += nr; x >= ow; x -= ow {
						y++
					}
					continue
				}
			}
			maxBase := 0
			ly, lx := y, x
			for lane := range nr {
				if j0+lane >= n {
					base[lane], mask[lane] = 0, 0
					continue
				}
				b := ly*sh*wp + lx*sw
				base[lane], mask[lane] = int32(b), -1
				maxBase = max(maxBase, b)
				if lx++; lx == ow {
					lx = 0
					ly++
				}
			}
			y, x = ly, lx
			if last+maxBase >= len(plane) {
				panic(fmt.Sprintf("kernels: im2col tap %d outside input of %d floats (shape %+v)", last+maxBase, len(plane), s))
			}
			switch {
			case !useAVX2:
				gatherPanelGo(kc, plane, rowOff[:kc], &base, &mask, panel)
			case sw == 1 && runs.build(&base, &mask) && last+runs.maxOff()+8 <= len(plane):
				runPanelAVX2(kc, &plane[0], &rowOff[0], &runs, &panel[0])
			default:
				gatherPanelAVX2(kc, &plane[0], &rowOff[0], &base, &mask, &panel[0])
			}
		}
	}
}

// panelRuns describes a 16-column panel as two 8-lane halves, each at most
// two contiguous runs of input; runPanelAVX2 reads it, so the field order
// and sizes are fixed.
type panelRuns struct {
	off   [4]int32  // offA of half 0, offB of half 0, offA of half 1, offB of half 1
	maskB [nr]int32 // -1: lane comes from the B run
	valid [nr]int32 // -1: lane is a real column, 0: zero padding
}

// fromPosition fills r for the panel whose first column j0 is output
// position (y, x) of a stride-1 convolution with output rows of ow >= 8
// columns and rowStride input floats between output rows: each half starts
// a run at (y, x) and, if the output row ends inside the half, continues
// with a run at the start of the next one. Columns from n on are invalid.
func (r *panelRuns) fromPosition(y, x, j0, n, ow, rowStride int) {
	for h := 0; h < 2; h++ {
		l0 := 8 * h
		offA := y*rowStride + x
		offB := offA
		t := ow - x // lanes left in this output row
		if t < 8 {
			offB = (y+1)*rowStride - t
		}
		for l := 0; l < 8; l++ {
			r.maskB[l0+l] = 0
			if l >= t {
				r.maskB[l0+l] = -1
			}
			r.valid[l0+l] = 0
			if j0+l0+l < n {
				r.valid[l0+l] = -1
			}
		}
		r.off[2*h], r.off[2*h+1] = int32(offA), int32(offB)
		if x += 8; x >= ow {
			x -= ow
			y++
		}
	}
}

// build fills r from the column offsets of a panel and reports whether each
// half is at most two runs of consecutive offsets (starting at or after
// offset 0).
func (r *panelRuns) build(base, mask *[nr]int32) bool {
	r.valid = *mask
	for h := 0; h < 2; h++ {
		l0 := 8 * h
		offA, offB := base[l0], base[l0]
		inB := false
		for lane := l0; lane < l0+8; lane++ {
			r.maskB[lane] = 0
			if mask[lane] == 0 {
				continue
			}
			want := offA + int32(lane-l0)
			if inB {
				want = offB + int32(lane-l0)
			}
			if base[lane] == want {
				if inB {
					r.maskB[lane] = -1
				}
				continue
			}
			if inB {
				return false // a third run
			}
			inB = true
			offB = base[lane] - int32(lane-l0)
			if offB < 0 {
				return false
			}
			r.maskB[lane] = -1
		}
		r.off[2*h], r.off[2*h+1] = offA, offB
	}
	return true
}

// maxOff returns the largest run offset.
func (r *panelRuns) maxOff() int {
	return int(max(r.off[0], r.off[1], r.off[2], r.off[3]))
}

// gatherPanelGo is gatherPanelAVX2 in Go.
func gatherPanelGo(kc int, src []float32, rowOff []int32, base, mask *[nr]int32, dst []float32) {
	for p := 0; p < kc; p++ {
		o := int(rowOff[p])
		d := (*[nr]float32)(dst[p*nr : p*nr+nr])
		for lane := range nr {
			if mask[lane] == 0 {
				d[lane] = 0
				continue
			}
			d[lane] = src[o+int(base[lane])]
		}
	}
}

// padInput returns the input planes with the convolution's zero padding
// applied, copied into pad when there is padding, and the padded height and
// width.
func padInput(s ConvShape, src, pad []float32) (plane []float32, hp, wp int) {
	hp, wp = s.InH+s.PadTop+s.PadBottom, s.InW+s.PadLeft+s.PadRight
	src = src[:s.InC*s.InH*s.InW]
	if hp == s.InH && wp == s.InW {
		return src, hp, wp
	}
	pad = pad[:paddedSize(s)]
	clear(pad)
	for c := 0; c < s.InC; c++ {
		for y := 0; y < s.InH; y++ {
			copy(pad[(c*hp+y+s.PadTop)*wp+s.PadLeft:], src[(c*s.InH+y)*s.InW:(c*s.InH+y+1)*s.InW])
		}
	}
	return pad, hp, wp
}

// packedColSize returns the floats im2colPacked writes.
func packedColSize(s ConvShape) int {
	return roundUp(s.OutH()*s.OutW(), nr) * s.K()
}

// paddedSize returns the floats of the zero-padded input copy, including a
// margin of one 8-float load past the end, or 0 without padding (the input
// is read in place and panels whose runs would read past its end are
// gathered instead).
func paddedSize(s ConvShape) int {
	if s.PadTop == 0 && s.PadLeft == 0 && s.PadBottom == 0 && s.PadRight == 0 {
		return 0
	}
	return s.InC*(s.InH+s.PadTop+s.PadBottom)*(s.InW+s.PadLeft+s.PadRight) + 8
}
