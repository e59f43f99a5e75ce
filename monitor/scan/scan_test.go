package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// approx compares with an absolute tolerance of 1e-6 (float32 rounding of
// values in [0,1]).
var approx = cmp.Comparer(func(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-6 })

func le16(vs ...uint16) []byte {
	b := make([]byte, 2*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

func le32(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func le64(vs ...float64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

func blob(dtype string, w, h int) Layout {
	return Layout{Format: FormatBlob, Width: w, Height: h, DType: dtype}
}

func TestDecode(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		layout  Layout
		payload []byte
		want    Matrix
		report  Report
	}{
		{"uint8 minmax", blob(DTypeUint8, 2, 2), []byte{10, 20, 30, 50},
			Matrix{2, 2, []float32{0, 0.25, 0.5, 1}}, Report{Cells: 4, Min: 10, Max: 50}},
		{"uint16 minmax", blob(DTypeUint16, 3, 1), le16(0, 1000, 65535),
			Matrix{3, 1, []float32{0, 1000.0 / 65535, 1}}, Report{Cells: 3, Min: 0, Max: 65535}},
		{"float32 fixed clamps", Layout{Format: FormatBlob, Width: 4, Height: 1, DType: DTypeFloat32, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 10}},
			le32(-5, 0, 5, 20), Matrix{4, 1, []float32{0, 0, 0.5, 1}}, Report{Cells: 4, Clamped: 2, Min: -5, Max: 20}},
		{"float64 NaN filled with min", Layout{Format: FormatBlob, Width: 2, Height: 2, DType: DTypeFloat64, MaxInvalid: 0.5},
			le64(2, nan, 4, math.Inf(1)), Matrix{2, 2, []float32{0, 0, 1, 0}}, Report{Cells: 4, Invalid: 2, Min: 2, Max: 4}},
		{"float64 NaN filled with zero", Layout{Format: FormatBlob, Width: 3, Height: 1, DType: DTypeFloat64, MaxInvalid: 0.5, Fill: FillZero},
			le64(2, nan, 4), Matrix{3, 1, []float32{0.5, 0, 1}}, Report{Cells: 3, Invalid: 1, Min: 2, Max: 4}},
		// z-score: values 1,2,3,4,5,6,7,8 have mean 4.5 and population sd sqrt(5.25);
		// with sigma 1, 4.5±2.2913 maps to 0..1.
		{"zscore sigma 1", Layout{Format: FormatBlob, Width: 8, Height: 1, DType: DTypeUint8, Normalize: Normalization{Mode: NormZScore, Sigma: 1}},
			[]byte{1, 2, 3, 4, 5, 6, 7, 8},
			Matrix{8, 1, zs([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 4.5, math.Sqrt(5.25), 1)}, Report{Cells: 8, Clamped: 4, Min: 1, Max: 8}},
		{"zscore flat is one half", Layout{Format: FormatBlob, Width: 2, Height: 1, DType: DTypeUint8, Normalize: Normalization{Mode: NormZScore}},
			[]byte{7, 7}, Matrix{2, 1, []float32{0.5, 0.5}}, Report{Cells: 2, Min: 7, Max: 7}},
		{"minmax flat is zero", blob(DTypeUint8, 2, 1), []byte{7, 7}, Matrix{2, 1, []float32{0, 0}}, Report{Cells: 2, Min: 7, Max: 7}},
		{"csv rows", Layout{Format: FormatText}, []byte("1,2\n3,5\n"), Matrix{2, 2, []float32{0, 0.25, 0.5, 1}}, Report{Cells: 4, Min: 1, Max: 5}},
		{"csv semicolons and BOM", Layout{Format: FormatText}, []byte("\xef\xbb\xbf1;2\r\n3;5"), Matrix{2, 2, []float32{0, 0.25, 0.5, 1}}, Report{Cells: 4, Min: 1, Max: 5}},
		{"csv spaces one row reshaped", Layout{Format: FormatText, Width: 2, Height: 2}, []byte("1 2 3 5"), Matrix{2, 2, []float32{0, 0.25, 0.5, 1}}, Report{Cells: 4, Min: 1, Max: 5}},
		{"csv empty field and NaN", Layout{Format: FormatText, MaxInvalid: 0.5}, []byte("1,,3,NaN"), Matrix{4, 1, []float32{0, 0, 1, 0}}, Report{Cells: 4, Invalid: 2, Min: 1, Max: 3}},
		{"json flat", Layout{Format: FormatText, Width: 2, Height: 1}, []byte(" [0, 4] "), Matrix{2, 1, []float32{0, 1}}, Report{Cells: 2, Min: 0, Max: 4}},
		{"json rows with null", Layout{Format: FormatText, MaxInvalid: 0.4}, []byte(`[[0,1],[null,4],[2,"NaN"]]`),
			Matrix{2, 3, []float32{0, 0.25, 0, 1, 0.5, 0}}, Report{Cells: 6, Invalid: 2, Min: 0, Max: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := Decode(tt.layout, tt.payload)
			if err != nil {
				t.Fatalf("Decode(%q) error: %v", tt.payload, err)
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Decode(%q) matrix (-want +got):\n%s", tt.payload, diff)
			}
			if diff := cmp.Diff(tt.report, rep); diff != "" {
				t.Errorf("Decode(%q) report (-want +got):\n%s", tt.payload, diff)
			}
		})
	}
}

// zs is the documented z-score mapping, written out independently.
func zs(vs []float64, mean, sd, k float64) []float32 {
	out := make([]float32, len(vs))
	for i, v := range vs {
		z := max(-k, min(k, (v-mean)/sd))
		out[i] = float32((z + k) / (2 * k))
	}
	return out
}

func TestDecodeErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		layout  Layout
		payload []byte
		want    string // part of the error message
	}{
		{"blob short", blob(DTypeUint16, 2, 2), []byte{1, 2, 3}, "blob is 3 bytes; layout 2 x 2 uint16 needs 8 bytes"},
		{"blob long", blob(DTypeUint8, 1, 1), []byte{1, 2}, "needs 1 bytes"},
		{"too many NaN", blob(DTypeFloat64, 4, 1), le64(1, nan, 3, 4), "raise max_invalid"},
		{"all NaN", Layout{Format: FormatBlob, Width: 2, Height: 1, DType: DTypeFloat32, MaxInvalid: 1}, le32(float32(nan), float32(nan)), "no valid value"},
		{"too wide", blob(DTypeFloat64, 2, 1), le64(-1e308, 1e308), "too wide"},
		{"csv word", Layout{Format: FormatText}, []byte("1,2\n3,x"), `line 2 field 2 "x" is not a number`},
		{"csv ragged", Layout{Format: FormatText}, []byte("1,2\n3"), "row 2 has 1 numbers"},
		{"csv wrong size", Layout{Format: FormatText, Width: 3, Height: 3}, []byte("1,2\n3,4"), "layout says 3 x 3"},
		{"text empty", Layout{Format: FormatText}, []byte("  \n"), "empty"},
		{"json bad", Layout{Format: FormatText}, []byte("[1,2"), "not a JSON array"},
		{"json object item", Layout{Format: FormatText}, []byte(`[1,{"a":2}]`), "item 2"},
		{"image garbage", Layout{Format: FormatImage}, []byte("not an image"), "not PNG, JPEG, BMP or TIFF"},
		{"image wrong size", Layout{Format: FormatImage, Width: 5, Height: 5}, pngBytes(t, 2, 2), "layout says 5 x 5"},
		{"points via Decode", Layout{Format: FormatPoints, Width: 1, Height: 1, Order: OrderXY}, nil, "DecodePoints"},
		{"invalid layout", Layout{Format: "bmp"}, nil, `format "bmp" is unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.layout, tt.payload)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) error = %v; want it to contain %q", tt.payload, err, tt.want)
			}
		})
	}
	_, _, err := Decode(blob(DTypeFloat64, 4, 1), le64(1, nan, nan, 4))
	if !errors.Is(err, ErrTooManyInvalid) {
		t.Errorf("Decode(half NaN) error = %v; want errors.Is ErrTooManyInvalid", err)
	}
}

func TestLayoutValidate(t *testing.T) {
	tests := []struct {
		layout Layout
		want   string // "" = valid
	}{
		{blob(DTypeUint8, 28, 28), ""},
		{Layout{Format: FormatImage}, ""},
		{Layout{Format: FormatText, Width: 3, Height: 2, Normalize: Normalization{Mode: NormZScore, Sigma: 2}}, ""},
		{Layout{Format: FormatPoints, Width: 4, Height: 4, Order: OrderSerpentine, Normalize: Normalization{Mode: NormFixed, Lo: -1, Hi: 1}}, ""},
		{Layout{}, "format is empty"},
		{Layout{Format: FormatBlob, DType: DTypeUint8}, "width and height are 0 x 0"},
		{Layout{Format: FormatImage, Width: 3}, "set both to the scan size, or both to 0"},
		{Layout{Format: FormatBlob, Width: 1 << 14, Height: 1 << 14, DType: DTypeUint8}, "above the limit"},
		{blob("int8", 2, 2), `dtype "int8" is unknown`},
		{blob("", 2, 2), "dtype is empty"},
		{Layout{Format: FormatText, DType: DTypeUint8}, "only used by format \"blob\""},
		{Layout{Format: FormatPoints, Width: 2, Height: 2}, `order "" is unknown`},
		{Layout{Format: FormatText, Order: OrderXY}, "only used by format \"points\""},
		{Layout{Format: FormatText, Fill: "mean"}, `fill "mean" is unknown`},
		{Layout{Format: FormatText, MaxInvalid: 2}, "max_invalid is 2"},
		{Layout{Format: FormatText, Normalize: Normalization{Mode: NormFixed, Lo: 1, Hi: 1}}, "needs finite lo < hi"},
		{Layout{Format: FormatText, Normalize: Normalization{Mode: NormZScore, Sigma: -1}}, "sigma is -1"},
		{Layout{Format: FormatText, Normalize: Normalization{Mode: "log"}}, `mode "log" is unknown`},
	}
	for _, tt := range tests {
		err := tt.layout.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v.Validate() = %v; want nil", tt.layout, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v.Validate() = %v; want it to contain %q", tt.layout, err, tt.want)
		}
	}
}

func TestDecodePoints(t *testing.T) {
	// A 3 x 2 grid whose row-major cell i holds the value i (0..5), so the
	// min-max result is i/5 in every mapping.
	want := Matrix{3, 2, []float32{0, 0.2, 0.4, 0.6, 0.8, 1}}
	xy := []Point{{X: 2, Y: 1, Value: 5}, {X: 0, Y: 0, Value: 0}, {X: 1, Y: 0, Value: 1}, {X: 2, Y: 0, Value: 2}, {X: 0, Y: 1, Value: 3}, {X: 1, Y: 1, Value: 4}}
	// column-major index = x*height + y
	col := []Point{{Index: 0, Value: 0}, {Index: 1, Value: 3}, {Index: 2, Value: 1}, {Index: 3, Value: 4}, {Index: 4, Value: 2}, {Index: 5, Value: 5}}
	// serpentine: row 0 left to right, row 1 right to left
	serp := []Point{{Index: 0, Value: 0}, {Index: 1, Value: 1}, {Index: 2, Value: 2}, {Index: 3, Value: 5}, {Index: 4, Value: 4}, {Index: 5, Value: 3}}
	row := []Point{{Index: 5, Value: 5}, {Index: 4, Value: 4}, {Index: 3, Value: 3}, {Index: 2, Value: 2}, {Index: 1, Value: 1}, {Index: 0, Value: 0}}
	tests := []struct {
		order string
		pts   []Point
	}{{OrderXY, xy}, {OrderColumnMajor, col}, {OrderSerpentine, serp}, {OrderRowMajor, row}}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			l := Layout{Format: FormatPoints, Width: 3, Height: 2, Order: tt.order}
			got, rep, err := DecodePoints(l, tt.pts)
			if err != nil {
				t.Fatalf("DecodePoints: %v", err)
			}
			if diff := cmp.Diff(want, got, approx); diff != "" {
				t.Errorf("DecodePoints(%s) (-want +got):\n%s", tt.order, diff)
			}
			if rep.Filled() != 0 || rep.Duplicates != 0 {
				t.Errorf("DecodePoints(%s) report = %+v; want nothing filled", tt.order, rep)
			}
		})
	}
}

func TestDecodePointsMissing(t *testing.T) {
	l := Layout{Format: FormatPoints, Width: 2, Height: 2, Order: OrderRowMajor, MaxInvalid: 0.5}
	pts := []Point{{Index: 0, Value: 9}, {Index: 1, Value: 2}, {Index: 1, Value: 4}, {Index: 3, Value: math.NaN()}}
	got, rep, err := DecodePoints(l, pts)
	if err != nil {
		t.Fatalf("DecodePoints: %v", err)
	}
	// cell 2 missing and cell 3 NaN are filled with the minimum, 4.
	want := Matrix{2, 2, []float32{1, 0, 0, 0}}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	wantRep := Report{Cells: 4, Invalid: 1, Missing: 1, Duplicates: 1, Min: 4, Max: 9}
	if diff := cmp.Diff(wantRep, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if _, _, err := DecodePoints(Layout{Format: FormatPoints, Width: 2, Height: 2, Order: OrderXY}, []Point{{X: 2, Y: 0}}); err == nil || !strings.Contains(err.Error(), "point 1: x=2 y=0 is outside") {
		t.Errorf("DecodePoints(out of grid) error = %v; want point 1 outside", err)
	}
	if _, _, err := DecodePoints(Layout{Format: FormatPoints, Width: 2, Height: 2, Order: OrderXY}, []Point{{X: 0, Y: 0, Value: 1}}); !errors.Is(err, ErrTooManyInvalid) {
		t.Errorf("DecodePoints(1 of 4) error = %v; want ErrTooManyInvalid", err)
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 255 / max(1, w*h-1))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeImageFormats(t *testing.T) {
	// A 4 x 2 image, dark left half (40) and bright right half (200), in
	// colour so that the grey conversion is exercised.
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for y := range 2 {
		for x := range 4 {
			v := uint8(40)
			if x >= 2 {
				v = 200
			}
			src.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	gray16 := image.NewGray16(src.Bounds())
	for y := range 2 {
		for x := range 4 {
			gray16.SetGray16(x, y, color.Gray16{Y: uint16(x) * 1000})
		}
	}
	enc := map[string]func(*bytes.Buffer) error{
		"png":    func(b *bytes.Buffer) error { return png.Encode(b, src) },
		"jpeg":   func(b *bytes.Buffer) error { return jpeg.Encode(b, src, &jpeg.Options{Quality: 100}) },
		"bmp":    func(b *bytes.Buffer) error { return bmp.Encode(b, src) },
		"tiff":   func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) },
		"gray8":  func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(src.Bounds())) },
		"gray16": func(b *bytes.Buffer) error { return png.Encode(b, gray16) },
	}
	for name, f := range enc {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f(&buf); err != nil {
				t.Fatal(err)
			}
			m, _, err := Decode(Layout{Format: FormatImage, Width: 4, Height: 2}, buf.Bytes())
			if err != nil {
				t.Fatalf("Decode(%s): %v", name, err)
			}
			if m.Width != 4 || m.Height != 2 || len(m.Pix) != 8 {
				t.Fatalf("Decode(%s) = %d x %d (%d values); want 4 x 2", name, m.Width, m.Height, len(m.Pix))
			}
			for y := range 2 {
				for x := range 4 {
					want := float32(0)
					switch name {
					case "gray8":
						want = 0 // a flat image maps to 0
					case "gray16":
						want = float32(x) / 3
					default:
						if x >= 2 {
							want = 1
						}
					}
					// JPEG is lossy at the edge between the halves.
					if got := m.At(x, y); math.Abs(float64(got-want)) > 0.05 {
						t.Errorf("Decode(%s).At(%d,%d) = %v; want %v", name, x, y, got, want)
					}
				}
			}
		})
	}
}

// "fixed" ranges apply to grey levels as stored: 0..255 for 8-bit images.
func TestDecodeImageFixedRange(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 2, 1))
	g.Pix[0], g.Pix[1] = 51, 255
	rgb := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgb.Set(0, 0, color.RGBA{51, 51, 51, 255})
	rgb.Set(1, 0, color.RGBA{255, 255, 255, 255})
	g16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	g16.SetGray16(0, 0, color.Gray16{Y: 51})
	g16.SetGray16(1, 0, color.Gray16{Y: 65535})
	l := Layout{Format: FormatImage, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 255}}
	for _, tt := range []struct {
		name string
		img  image.Image
		want []float32
	}{
		{"gray8", g, []float32{0.2, 1}},
		{"rgba8", rgb, []float32{0.2, 1}},
		{"gray16", g16, []float32{0.2, 1}}, // 65535 clamps to 1
	} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, tt.img); err != nil {
			t.Fatal(err)
		}
		m, _, err := Decode(l, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, m.Pix, approx); diff != "" {
			t.Errorf("%s with fixed 0..255 (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestEncodePNGRoundTrip(t *testing.T) {
	m := Matrix{3, 2, []float32{0, 0.5, 1, 1.5, -1, float32(math.NaN())}}
	var buf bytes.Buffer
	if err := EncodePNG(&buf, m); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("EncodePNG wrote %T; want *image.Gray", img)
	}
	if diff := cmp.Diff([]uint8{0, 128, 255, 255, 0, 0}, g.Pix); diff != "" {
		t.Errorf("pixels (-want +got):\n%s", diff)
	}
	if err := EncodePNG(&buf, Matrix{Width: 2, Height: 2}); err == nil {
		t.Error("EncodePNG(2 x 2 without values) = nil; want an error")
	}
}

func TestThumbnail(t *testing.T) {
	m := Matrix{4, 2, []float32{0, 1, 0.5, 0.5, 1, 0, 0.5, 0.5}}
	got := m.Thumbnail(2)
	want := Matrix{2, 1, []float32{0.5, 0.5}}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Thumbnail(2) (-want +got):\n%s", diff)
	}
	if same := m.Thumbnail(4); &same.Pix[0] != &m.Pix[0] {
		t.Error("Thumbnail(4) of a 4 x 2 matrix copied it; want m itself")
	}
}
