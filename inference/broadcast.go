package inference

import (
	"fmt"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

// bcast iterates two operands broadcast against each other (numpy rules)
// in runs along the innermost dimension. Dimensions of size 1 are dropped
// and adjacent dimensions that broadcast alike are merged at plan time,
// so that common cases (same shape, per-channel bias, scalar) become one
// or two flat loops.
type bcast struct {
	out    []int // output shape
	dims   []int // collapsed dimensions
	sa, sb []int // element strides of a and b per collapsed dimension (0 = broadcast)
}

// broadcastShape returns the numpy broadcast of shapes a and b.
func broadcastShape(a, b []int) ([]int, error) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for k := 0; k < r; k++ {
		da, db := 1, 1
		if j := k - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := k - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[k] = da
		case da == 1:
			out[k] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast (dimension %d: %d vs %d)", a, b, k, da, db)
		}
	}
	return out, nil
}

// newBcast plans iteration of a and b over out, which must be their
// broadcast shape (or a shape both broadcast to).
func newBcast(out, a, b []int) *bcast {
	r := len(out)
	bc := &bcast{out: out}
	stridesOf := func(s []int) []int {
		st := make([]int, r)
		n := 1
		for k := r - 1; k >= 0; k-- {
			j := k - (r - len(s))
			if j >= 0 && s[j] != 1 {
				st[k] = n
				n *= s[j]
			}
		}
		return st
	}
	fa, fb := stridesOf(a), stridesOf(b)
	for k := 0; k < r; k++ {
		if out[k] == 1 {
			continue
		}
		if n := len(bc.dims); n > 0 {
			last := n - 1
			if bc.sa[last] == fa[k]*out[k] && bc.sb[last] == fb[k]*out[k] {
				bc.dims[last] *= out[k]
				bc.sa[last], bc.sb[last] = fa[k], fb[k]
				continue
			}
		}
		bc.dims = append(bc.dims, out[k])
		bc.sa = append(bc.sa, fa[k])
		bc.sb = append(bc.sb, fb[k])
	}
	if len(bc.dims) == 0 {
		bc.dims, bc.sa, bc.sb = []int{1}, []int{0}, []int{0}
	}
	return bc
}

// each calls fn for every innermost run: output offset o, operand offsets
// ia and ib, run length n and operand strides sa, sb within the run.
func (bc *bcast) each(fn func(o, ia, ib, n, sa, sb int)) {
	r := len(bc.dims)
	n, sa, sb := bc.dims[r-1], bc.sa[r-1], bc.sb[r-1]
	if size(bc.out) == 0 {
		return
	}
	var idx [onnx.MaxRank]int
	o, ia, ib := 0, 0, 0
	for {
		fn(o, ia, ib, n, sa, sb)
		o += n
		k := r - 2
		for ; k >= 0; k-- {
			idx[k]++
			ia += bc.sa[k]
			ib += bc.sb[k]
			if idx[k] < bc.dims[k] {
				break
			}
			ia -= bc.sa[k] * bc.dims[k]
			ib -= bc.sb[k] * bc.dims[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}
