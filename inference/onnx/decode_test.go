package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// realModels lists ONNX files from the engine's test data used as seeds
// and decode checks.
func realModels(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{
		"../testdata/onnx/models/*/model.onnx",
		"../testdata/onnx/simple/*/model.onnx",
		"../testdata/onnx/pytorch-converted/test_Conv2d_*/model.onnx",
		"../testdata/onnx/node/test_gemm_*/model.onnx",
		"../testdata/onnx/node/test_constant*/model.onnx",
		"../testdata/bench/*.onnx",
	} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d test models; want at least 10", len(files))
	}
	return files
}

func TestDecodeMNIST(t *testing.T) {
	b, err := os.ReadFile("../testdata/onnx/models/mnist-8/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// Expected values read from the file with the onnx Python package
	// (onnx.load: ir_version 3, opset 8, producer CNTK, 12 nodes).
	if m.IRVersion != 3 || m.Opset("") != 8 || m.ProducerName != "CNTK" || len(m.Graph.Nodes) != 12 {
		t.Errorf("Decode(mnist-8) = ir %d opset %d producer %q nodes %d; want 3, 8, CNTK, 12",
			m.IRVersion, m.Opset(""), m.ProducerName, len(m.Graph.Nodes))
	}
	in := m.Graph.Inputs[0]
	if in.ElemType != Float || len(in.Shape) != 4 || in.Shape[2].Value != 28 {
		t.Errorf("input = %+v; want FLOAT [1,1,28,28]", in)
	}
}

func TestDecodeAllReal(t *testing.T) {
	for _, f := range realModels(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Errorf("Decode(%s) error: %v", f, err)
		}
	}
}

func tensorBytes(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}

func tag(num protowire.Number, typ protowire.Type) []byte {
	return protowire.AppendTag(nil, num, typ)
}

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(tag(num, protowire.VarintType), v)
}

func bytesField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(tag(num, protowire.BytesType), v)
}

func TestDecodeTensorErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"raw size mismatch", tensorBytes(varintField(1, 4), varintField(2, 1), bytesField(9, make([]byte, 12))), "raw_data has 12 bytes, want 16"},
		{"huge dims no data", tensorBytes(varintField(1, 1<<40), varintField(1, 1<<40), varintField(2, 1)), "more than"},
		{"negative dim", tensorBytes(varintField(1, ^uint64(0)), varintField(2, 1)), "negative"},
		{"external", tensorBytes(varintField(2, 1), varintField(14, 1)), "external file"},
		{"double", tensorBytes(varintField(2, 11), bytesField(10, make([]byte, 8))), "DOUBLE"},
		{"float16", tensorBytes(varintField(2, 10)), "FLOAT16"},
		{"group", tensorBytes(tag(1, protowire.StartGroupType)), "wire type"},
		{"truncated", tensorBytes(bytesField(9, make([]byte, 10))[:5]), "truncated"},
		{"float count", tensorBytes(varintField(1, 3), varintField(2, 1), bytesField(4, make([]byte, 8))), "float_data has 2 values, want 3"},
		{"int count", tensorBytes(varintField(1, 3), varintField(2, 7), bytesField(7, []byte{1, 2})), "integer data has 2 values, want 3"},
		{"string", tensorBytes(varintField(2, 8), bytesField(6, []byte("x"))), "string tensors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTensor(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeTensor(%x) error = %v; want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestDecodeTensorValues(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		float []float32
		ints  []int64
	}{
		{"raw float", tensorBytes(varintField(1, 2), varintField(2, 1), bytesField(9, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0})), []float32{1, -2}, nil},
		{"unpacked float", tensorBytes(varintField(1, 1), varintField(2, 1), protowire.AppendFixed32(tag(4, protowire.Fixed32Type), 0x3f800000)), []float32{1}, nil},
		{"int32 data", tensorBytes(varintField(1, 2), varintField(2, 6), bytesField(5, protowire.AppendVarint(protowire.AppendVarint(nil, 5), uint64(0xffffffff)))), nil, []int64{5, -1}},
		{"raw int64", tensorBytes(varintField(2, 7), bytesField(9, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})), nil, []int64{-2}},
		{"raw bool", tensorBytes(varintField(1, 2), varintField(2, 9), bytesField(9, []byte{0, 7})), nil, []int64{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTensor(tt.in)
			if err != nil {
				t.Fatalf("DecodeTensor(%x) error: %v", tt.in, err)
			}
			if !equalF(got.Float, tt.float) || !equalI(got.Int64, tt.ints) {
				t.Errorf("DecodeTensor(%x) = %v %v; want %v %v", tt.in, got.Float, got.Int64, tt.float, tt.ints)
			}
		})
	}
}

func equalF(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalI(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeModelErrors(t *testing.T) {
	b, err := os.ReadFile("../testdata/onnx/node/test_relu/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, len(b) / 2, len(b) - 1} {
		if _, err := Decode(b[:cut]); err == nil {
			t.Errorf("Decode(first %d of %d bytes) = nil error; want an error", cut, len(b))
		}
	}
	if _, err := Decode([]byte("this is not an onnx file at all")); err == nil {
		t.Errorf("Decode(text) = nil error; want an error")
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range realModels(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 1<<16 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err == nil && m.Graph == nil {
			t.Fatalf("Decode returned a model without a graph and no error")
		}
		_, _ = DecodeTensor(b)
	})
}
