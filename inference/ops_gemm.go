package inference

import (
	"fmt"

	"github.com/gradewatch/gradewatch/inference/kernels"
)

func init() {
	ops["Gemm"] = buildGemm
	ops["MatMul"] = buildMatMul
}

// buildGemm plans Y = alpha*op(A)*op(B) + beta*C with C broadcast to
// [M, N] (the broadcast attribute of opsets before 7 is accepted either
// way). Constant weights B are packed once per model; a vector C and a
// following Relu are applied in one pass over Y.
func buildGemm(c *nodeCtx) error {
	a, err := c.needFloat(0)
	if err != nil {
		return err
	}
	b, err := c.needFloat(1)
	if err != nil {
		return err
	}
	cv := c.input(2)
	if cv != nil && cv.dt != dtFloat {
		return fmt.Errorf("input C must be float")
	}
	ta, err := c.attrInt("transA", 0)
	if err != nil {
		return err
	}
	tb, err := c.attrInt("transB", 0)
	if err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 1)
	if err != nil {
		return err
	}
	if _, err := c.attrInt("broadcast", 0); err != nil {
		return err
	}
	if len(a.shape) != 2 || len(b.shape) != 2 {
		return fmt.Errorf("A %v and B %v must be matrices", a.shape, b.shape)
	}
	m, k := a.shape[0], a.shape[1]
	if ta != 0 {
		m, k = k, m
	}
	kb, n := b.shape[0], b.shape[1]
	if tb != 0 {
		kb, n = n, kb
	}
	if k != kb {
		return fmt.Errorf("A %v (transA %d) and B %v (transB %d) do not multiply", a.shape, ta, b.shape, tb)
	}
	out := []int{m, n}
	if err := c.work(m*n, k); err != nil {
		return err
	}
	var bc *bcast
	rowBias := false
	if cv != nil {
		bs, err := broadcastShape(out, cv.shape)
		if err != nil || !sameShape(bs, out) {
			return fmt.Errorf("C %v does not broadcast to [%d %d]", cv.shape, m, n)
		}
		bc = newBcast(out, out, cv.shape)
		rowBias = cv.size() == n && (len(cv.shape) == 1 || (len(cv.shape) == 2 && cv.shape[0] == 1))
	}
	y, err := c.newOut(0, out)
	if err != nil {
		return err
	}
	var pb *kernels.PackedB
	if b.konst && m >= 2 {
		pb = c.g.packedB(packKey{c.node, 0}, func() *kernels.PackedB {
			return kernels.PackB(tb != 0, k, n, b.f, b.shape[1])
		})
	}
	_, act := c.fusedOps(func(*value) bool { return false }) // a Relu only
	ws := c.p.ws
	c.run = func() error {
		switch {
		case len(y.f) == 0:
			return nil
		case k == 0:
			clear(y.f)
		case pb != nil:
			ws.SgemmPackedB(ta != 0, m, alpha, a.f, a.shape[1], pb, 0, y.f, n)
		default:
			ws.Sgemm(ta != 0, tb != 0, m, n, k, alpha, a.f, a.shape[1], b.f, b.shape[1], 0, y.f, n)
		}
		switch {
		case cv == nil || beta == 0:
		case rowBias:
			for i := 0; i < m; i++ {
				row := y.f[i*n : (i+1)*n]
				bias := cv.f[:n]
				for j := range row {
					row[j] += beta * bias[j]
				}
			}
		default:
			bc.each(func(o, _, ib, cnt, _, sb int) {
				for j := 0; j < cnt; j++ {
					y.f[o+j] += beta * cv.f[ib+j*sb]
				}
			})
		}
		if act == kernels.ActReLU {
			for j, v := range y.f {
				if v < 0 {
					y.f[j] = 0
				}
			}
		}
		return nil
	}
	return nil
}

// buildMatMul plans numpy matmul: 1-D operands are promoted, batch
// dimensions broadcast. When B is a matrix, A's batch dimensions fold into
// its rows and one product is run.
func buildMatMul(c *nodeCtx) error {
	a, err := c.needFloat(0)
	if err != nil {
		return err
	}
	b, err := c.needFloat(1)
	if err != nil {
		return err
	}
	if len(a.shape) == 0 || len(b.shape) == 0 {
		return fmt.Errorf("MatMul operands %v and %v must not be scalars", a.shape, b.shape)
	}
	as, bs := a.shape, b.shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k := as[len(as)-2], as[len(as)-1]
	kb, n := bs[len(bs)-2], bs[len(bs)-1]
	if k != kb {
		return fmt.Errorf("shapes %v and %v do not multiply", a.shape, b.shape)
	}
	batch, err := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return err
	}
	out := append(append([]int(nil), batch...), m, n)
	if err := c.work(size(out), k); err != nil {
		return err
	}
	// Drop the promoted dimensions again.
	if len(a.shape) == 1 {
		out = append(out[:len(out)-2], out[len(out)-1])
	}
	if len(b.shape) == 1 {
		out = out[:len(out)-1]
	}
	y, err := c.newOut(0, out)
	if err != nil {
		return err
	}
	ws := c.p.ws
	if len(bs) == 2 {
		rows := size(as[:len(as)-1])
		var pb *kernels.PackedB
		if b.konst && rows >= 2 {
			pb = c.g.packedB(packKey{c.node, 0}, func() *kernels.PackedB {
				return kernels.PackB(false, k, n, b.f, n)
			})
		}
		// A bias row and Relu that follow (see fuse.go).
		bias, act := c.fusedOps(func(b *value) bool {
			s := b.shape
			return (len(s) == 1 && s[0] == n) || (len(s) == 2 && s[0] == 1 && s[1] == n)
		})
		c.run = func() error {
			switch {
			case len(y.f) == 0:
				return nil
			case k == 0:
				clear(y.f)
			case pb != nil:
				ws.SgemmPackedB(false, rows, 1, a.f, k, pb, 0, y.f, n)
			default:
				ws.Sgemm(false, false, rows, n, k, 1, a.f, k, b.f, n, 0, y.f, n)
			}
			if bias != nil || act == kernels.ActReLU {
				rowBiasActivation(y.f, rows, n, bias, act)
			}
			return nil
		}
		return nil
	}

	bc := newBcast(batch, as[:len(as)-2], bs[:len(bs)-2])
	c.run = func() error {
		if len(y.f) == 0 {
			return nil
		}
		if k == 0 {
			clear(y.f)
			return nil
		}
		bc.each(func(o, ia, ib, cnt, sa, sb int) {
			for j := 0; j < cnt; j++ {
				pa, pbo, po := (ia+j*sa)*m*k, (ib+j*sb)*k*n, (o+j)*m*n
				ws.Sgemm(false, false, m, n, k, 1, a.f[pa:], k, b.f[pbo:], n, 0, y.f[po:], n)
			}
		})
		return nil
	}
	return nil
}

// rowBiasActivation adds bias (nil for none) to each of the rows of the
// rows x n matrix y, then applies act.
func rowBiasActivation(y []float32, rows, n int, bias []float32, act kernels.Activation) {
	for i := 0; i < rows; i++ {
		row := y[i*n : (i+1)*n]
		if bias != nil {
			bias := bias[:n]
			for j := range row {
				row[j] += bias[j]
			}
		}
		if act == kernels.ActReLU {
			kernels.ReLU(row, row)
		}
	}
}
