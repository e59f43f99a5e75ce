package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"golang.org/x/image/bmp"
)

// checkMatrix fails unless a decoded matrix is well-formed: the right
// number of values, all in [0,1].
func checkMatrix(t *testing.T, m Matrix, rep Report) {
	t.Helper()
	if m.Width <= 0 || m.Height <= 0 || len(m.Pix) != m.Width*m.Height || rep.Cells != len(m.Pix) {
		t.Fatalf("matrix %d x %d with %d values, report %d cells", m.Width, m.Height, len(m.Pix), rep.Cells)
	}
	for i, v := range m.Pix {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("Pix[%d] = %v; want it in [0,1]", i, v)
		}
	}
}

var fuzzNorms = []Normalization{{}, {Mode: NormFixed, Lo: -1, Hi: 100}, {Mode: NormZScore}}

func FuzzDecodeBlob(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, uint8(0), uint8(2), uint8(0))
	f.Add(le64(1, math.NaN(), math.Inf(-1), 1e308), uint8(3), uint8(2), uint8(2))
	f.Add(le32(0.5, -1), uint8(2), uint8(1), uint8(1))
	dtypes := []string{DTypeUint8, DTypeUint16, DTypeFloat32, DTypeFloat64}
	f.Fuzz(func(t *testing.T, payload []byte, dt, width, norm uint8) {
		dtype := dtypes[int(dt)%len(dtypes)]
		size, _ := dtypeSize(dtype)
		w := int(width)%16 + 1
		h := max(1, len(payload)/size/w)
		l := Layout{Format: FormatBlob, Width: w, Height: h, DType: dtype, MaxInvalid: 1, Normalize: fuzzNorms[int(norm)%len(fuzzNorms)]}
		m, rep, err := Decode(l, payload)
		if err != nil {
			return
		}
		checkMatrix(t, m, rep)
	})
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("1,2\n3,4\n"), false)
	f.Add([]byte("1 2 3\t4"), true)
	f.Add([]byte(`[[1,null],[3,"NaN"]]`), false)
	f.Add([]byte(`[1e400, -1e400, 5]`), true)
	f.Fuzz(func(t *testing.T, payload []byte, sized bool) {
		l := Layout{Format: FormatText, MaxInvalid: 1}
		if sized {
			l.Width, l.Height = 2, 2
		}
		m, rep, err := Decode(l, payload)
		if err != nil {
			return
		}
		checkMatrix(t, m, rep)
		if sized && (m.Width != 2 || m.Height != 2) {
			t.Fatalf("Decode with layout 2 x 2 = %d x %d", m.Width, m.Height)
		}
	})
}

func FuzzDecodeImage(f *testing.F) {
	f.Add(pngBytes(f, 3, 2))
	var b bytes.Buffer
	if err := bmp.Encode(&b, Matrix{2, 2, []float32{0, 1, 0.5, 0.25}}.Gray()); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("II*\x00"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, rep, err := Decode(Layout{Format: FormatImage}, payload)
		if err != nil {
			return
		}
		checkMatrix(t, m, rep)
	})
}

// FuzzDecodePoints reads points from the fuzz bytes as little-endian
// (int16 x, int16 y, int32 index, float32 value) records.
func FuzzDecodePoints(f *testing.F) {
	rec := func(x, y int16, idx int32, v float32) []byte {
		b := make([]byte, 12)
		binary.LittleEndian.PutUint16(b, uint16(x))
		binary.LittleEndian.PutUint16(b[2:], uint16(y))
		binary.LittleEndian.PutUint32(b[4:], uint32(idx))
		binary.LittleEndian.PutUint32(b[8:], math.Float32bits(v))
		return b
	}
	f.Add(append(rec(0, 0, 0, 1), rec(1, 0, 1, 2)...), uint8(0), uint8(2))
	f.Add(append(rec(-1, 5, 3, float32(math.NaN())), rec(1, 1, 2, 2)...), uint8(3), uint8(1))
	orders := []string{OrderXY, OrderRowMajor, OrderColumnMajor, OrderSerpentine}
	f.Fuzz(func(t *testing.T, data []byte, order, size uint8) {
		var pts []Point
		for ; len(data) >= 12; data = data[12:] {
			pts = append(pts, Point{
				X:     int(int16(binary.LittleEndian.Uint16(data))),
				Y:     int(int16(binary.LittleEndian.Uint16(data[2:]))),
				Index: int(int32(binary.LittleEndian.Uint32(data[4:]))),
				Value: float64(math.Float32frombits(binary.LittleEndian.Uint32(data[8:]))),
			})
		}
		w := int(size)%5 + 1
		l := Layout{Format: FormatPoints, Width: w, Height: w + 1, Order: orders[int(order)%len(orders)], MaxInvalid: 1}
		m, rep, err := DecodePoints(l, pts)
		if err != nil {
			if len(pts) == 0 && !errors.Is(err, ErrTooManyInvalid) {
				t.Fatalf("DecodePoints(no points) error = %v; want ErrTooManyInvalid", err)
			}
			return
		}
		checkMatrix(t, m, rep)
	})
}
