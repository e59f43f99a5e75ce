package inference

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file encodes small ONNX models for tests, field numbers as in
// onnx.proto.

type tAttr struct {
	name   string
	i      *int64
	f      *float32
	s      string
	ints   []int64
	floats []float32
}

func attrI(name string, v int64) tAttr     { return tAttr{name: name, i: &v} }
func attrF(name string, v float32) tAttr   { return tAttr{name: name, f: &v} }
func attrS(name, v string) tAttr           { return tAttr{name: name, s: v} }
func attrIs(name string, v ...int64) tAttr { return tAttr{name: name, ints: v} }

type tNode struct {
	op      string
	inputs  []string
	outputs []string
	attrs   []tAttr
}

type tInit struct {
	name string
	dims []int64
	data []float32
	ints []int64 // INT64 tensor when set
}

type tIO struct {
	name string
	dims []int64 // -1 = symbolic "N"
	elem int32   // 0 means FLOAT
}

type tModel struct {
	opset    int64
	nodes    []tNode
	inits    []tInit
	inputs   []tIO
	outputs  []tIO
	metadata map[string]string
}

func msg(b []byte, num protowire.Number, inner []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, inner)
}

func str(b []byte, num protowire.Number, s string) []byte {
	return msg(b, num, []byte(s))
}

func vint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func encTensor(t tInit) []byte {
	var b []byte
	for _, d := range t.dims {
		b = vint(b, 1, d)
	}
	if t.ints != nil {
		b = vint(b, 2, 7)
		raw := make([]byte, 8*len(t.ints))
		for k, v := range t.ints {
			binary.LittleEndian.PutUint64(raw[8*k:], uint64(v))
		}
		b = msg(b, 9, raw)
	} else {
		b = vint(b, 2, 1)
		raw := make([]byte, 4*len(t.data))
		for k, v := range t.data {
			binary.LittleEndian.PutUint32(raw[4*k:], math.Float32bits(v))
		}
		b = msg(b, 9, raw)
	}
	return str(b, 8, t.name)
}

func encIO(v tIO) []byte {
	var shape []byte
	for _, d := range v.dims {
		if d < 0 {
			shape = msg(shape, 1, str(nil, 2, "N"))
		} else {
			shape = msg(shape, 1, vint(nil, 1, d))
		}
	}
	elem := v.elem
	if elem == 0 {
		elem = 1
	}
	tt := vint(nil, 1, int64(elem))
	tt = msg(tt, 2, shape)
	b := str(nil, 1, v.name)
	return msg(b, 2, msg(nil, 1, tt))
}

func (m tModel) encode() []byte {
	var g []byte
	for _, n := range m.nodes {
		var nb []byte
		for _, in := range n.inputs {
			nb = str(nb, 1, in)
		}
		for _, out := range n.outputs {
			nb = str(nb, 2, out)
		}
		nb = str(nb, 4, n.op)
		for _, a := range n.attrs {
			ab := str(nil, 1, a.name)
			switch {
			case a.i != nil:
				ab = vint(ab, 20, 2)
				ab = vint(ab, 3, *a.i)
			case a.f != nil:
				ab = vint(ab, 20, 1)
				ab = protowire.AppendTag(ab, 2, protowire.Fixed32Type)
				ab = protowire.AppendFixed32(ab, math.Float32bits(*a.f))
			case a.ints != nil:
				ab = vint(ab, 20, 7)
				for _, v := range a.ints {
					ab = vint(ab, 8, v)
				}
			case a.floats != nil:
				ab = vint(ab, 20, 6)
				for _, v := range a.floats {
					ab = protowire.AppendTag(ab, 7, protowire.Fixed32Type)
					ab = protowire.AppendFixed32(ab, math.Float32bits(v))
				}
			default:
				ab = vint(ab, 20, 3)
				ab = str(ab, 4, a.s)
			}
			nb = msg(nb, 5, ab)
		}
		g = msg(g, 1, nb)
	}
	g = str(g, 2, "test")
	for _, t := range m.inits {
		g = msg(g, 5, encTensor(t))
	}
	for _, v := range m.inputs {
		g = msg(g, 11, encIO(v))
	}
	for _, v := range m.outputs {
		g = msg(g, 12, encIO(v))
	}
	b := vint(nil, 1, 8)
	b = str(b, 2, "gradewatch-test")
	b = msg(b, 7, g)
	opset := m.opset
	if opset == 0 {
		opset = 13
	}
	b = msg(b, 8, vint(str(nil, 1, ""), 2, opset))
	for k, v := range m.metadata {
		b = msg(b, 14, str(str(nil, 1, k), 2, v))
	}
	return b
}
