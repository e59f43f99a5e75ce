package onnx

import (
	"fmt"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

func float32frombits(v uint32) float32 { return math.Float32frombits(v) }

// decoder holds what one Decode call may still allocate: integer tensors
// are widened to int64, up to 8 times their size in the file, so their
// total is bounded.
type decoder struct {
	intBudget int64
}

// Decode decodes an ONNX ModelProto. It checks the structure of the file,
// not whether the graph makes sense; the engine does that.
func Decode(b []byte) (*Model, error) {
	d := &decoder{intBudget: maxIntElements}
	m := &Model{}
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			err = f.wantType("ir_version", protowire.VarintType)
			m.IRVersion = int64(f.v)
		case 2:
			m.ProducerName, err = str(f, "producer_name")
		case 3:
			m.ProducerVersion, err = str(f, "producer_version")
		case 4:
			m.Domain, err = str(f, "domain")
		case 5:
			err = f.wantType("model_version", protowire.VarintType)
			m.ModelVersion = int64(f.v)
		case 6:
			m.DocString, err = str(f, "doc_string")
		case 7:
			if err = f.wantType("graph", protowire.BytesType); err != nil {
				return err
			}
			if m.Graph != nil {
				return fmt.Errorf("ModelProto has two graph fields")
			}
			m.Graph, err = d.decodeGraph(f.data)
			if err != nil {
				return fmt.Errorf("ModelProto.graph: %w", err)
			}
		case 8:
			var o OpsetID
			o, err = decodeOpset(f)
			m.OpsetImports = append(m.OpsetImports, o)
		case 14:
			var p Property
			p, err = decodeProperty(f)
			m.Metadata = append(m.Metadata, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decode onnx model: %w", err)
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("decode onnx model: ModelProto has no graph (the file is empty, damaged or not an ONNX model)")
	}
	return m, nil
}

// DecodeTensor decodes a TensorProto, as stored in the input_N.pb and
// output_N.pb files of ONNX test data sets.
func DecodeTensor(b []byte) (*Tensor, error) {
	d := &decoder{intBudget: maxIntElements}
	t, err := d.decodeTensor(b)
	if err != nil {
		return nil, fmt.Errorf("decode onnx tensor: %w", err)
	}
	return t, nil
}

func str(f field, name string) (string, error) {
	if err := f.wantType(name, protowire.BytesType); err != nil {
		return "", err
	}
	if !utf8.Valid(f.data) {
		return "", fmt.Errorf("field %s is not valid UTF-8", name)
	}
	return string(f.data), nil
}

func decodeOpset(f field) (OpsetID, error) {
	var o OpsetID
	if err := f.wantType("opset_import", protowire.BytesType); err != nil {
		return o, err
	}
	err := walk(f.data, func(f field) error {
		var err error
		switch f.num {
		case 1:
			o.Domain, err = str(f, "domain")
		case 2:
			err = f.wantType("version", protowire.VarintType)
			o.Version = int64(f.v)
		}
		return err
	})
	if err != nil {
		return o, fmt.Errorf("ModelProto.opset_import: %w", err)
	}
	return o, nil
}

func decodeProperty(f field) (Property, error) {
	var p Property
	if err := f.wantType("metadata_props", protowire.BytesType); err != nil {
		return p, err
	}
	err := walk(f.data, func(f field) error {
		var err error
		switch f.num {
		case 1:
			p.Key, err = str(f, "key")
		case 2:
			p.Value, err = str(f, "value")
		}
		return err
	})
	if err != nil {
		return p, fmt.Errorf("ModelProto.metadata_props: %w", err)
	}
	return p, nil
}

func (d *decoder) decodeGraph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var n *Node
			if err = f.wantType("node", protowire.BytesType); err == nil {
				n, err = d.decodeNode(f.data)
			}
			if err != nil {
				return fmt.Errorf("GraphProto.node[%d]: %w", len(g.Nodes), err)
			}
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name, err = str(f, "name")
		case 5:
			var t *Tensor
			if err = f.wantType("initializer", protowire.BytesType); err == nil {
				t, err = d.decodeTensor(f.data)
			}
			if err != nil {
				return fmt.Errorf("GraphProto.initializer[%d]: %w", len(g.Initializers), err)
			}
			g.Initializers = append(g.Initializers, t)
		case 11, 12, 13:
			var v ValueInfo
			if err = f.wantType("value_info", protowire.BytesType); err == nil {
				v, err = decodeValueInfo(f.data)
			}
			if err != nil {
				return fmt.Errorf("GraphProto.%s: %w", map[protowire.Number]string{11: "input", 12: "output", 13: "value_info"}[f.num], err)
			}
			switch f.num {
			case 11:
				g.Inputs = append(g.Inputs, v)
			case 12:
				g.Outputs = append(g.Outputs, v)
			default:
				g.ValueInfo = append(g.ValueInfo, v)
			}
		case 15:
			g.SparseInitializers++
		}
		return err
	})
	return g, err
}

func (d *decoder) decodeNode(b []byte) (*Node, error) {
	n := &Node{}
	err := walk(b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case 1:
			s, err = str(f, "input")
			n.Inputs = append(n.Inputs, s)
		case 2:
			s, err = str(f, "output")
			n.Outputs = append(n.Outputs, s)
		case 3:
			n.Name, err = str(f, "name")
		case 4:
			n.OpType, err = str(f, "op_type")
		case 7:
			n.Domain, err = str(f, "domain")
		case 5:
			var a *Attribute
			if err = f.wantType("attribute", protowire.BytesType); err == nil {
				a, err = d.decodeAttribute(f.data)
			}
			if err != nil {
				return fmt.Errorf("NodeProto.attribute[%d]: %w", len(n.Attrs), err)
			}
			n.Attrs = append(n.Attrs, a)
		}
		return err
	})
	if err != nil && n.OpType != "" {
		return nil, fmt.Errorf("%s node %q: %w", n.OpType, n.Name, err)
	}
	return n, err
}

func (d *decoder) decodeAttribute(b []byte) (*Attribute, error) {
	a := &Attribute{}
	var seen AttrType // type implied by the fields present
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			a.Name, err = str(f, "name")
		case 20:
			err = f.wantType("type", protowire.VarintType)
			a.Type = AttrType(int32(f.v))
		case 21:
			a.RefAttrName, err = str(f, "ref_attr_name")
		case 2:
			err = f.wantType("f", protowire.Fixed32Type)
			a.F, seen = float32frombits(uint32(f.v)), AttrFloat
		case 3:
			err = f.wantType("i", protowire.VarintType)
			a.I, seen = int64(f.v), AttrInt
		case 4:
			err = f.wantType("s", protowire.BytesType)
			a.S, seen = f.data, AttrString
		case 5:
			if err = f.wantType("t", protowire.BytesType); err == nil {
				a.T, err = d.decodeTensor(f.data)
			}
			seen = AttrTensor
		case 6:
			seen = AttrGraph
		case 7:
			a.Floats, err = appendFloats(a.Floats, f, "floats")
			seen = AttrFloats
		case 8:
			a.Ints, err = appendInt64s(a.Ints, f, "ints", math.MaxInt32)
			seen = AttrInts
		case 9:
			err = f.wantType("strings", protowire.BytesType)
			a.Strings, seen = append(a.Strings, f.data), AttrStrings
		case 10:
			var t *Tensor
			if err = f.wantType("tensors", protowire.BytesType); err == nil {
				t, err = d.decodeTensor(f.data)
			}
			a.Tensors, seen = append(a.Tensors, t), AttrTensors
		case 11:
			seen = AttrGraphs
		case 22:
			seen = AttrSparseTensor
		case 23:
			seen = AttrSparseTensors
		}
		return err
	})
	if err != nil {
		if a.Name != "" {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		return nil, err
	}
	if a.Type == AttrUndefined {
		a.Type = seen
	}
	return a, nil
}

func decodeValueInfo(b []byte) (ValueInfo, error) {
	var v ValueInfo
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			v.Name, err = str(f, "name")
		case 2:
			if err = f.wantType("type", protowire.BytesType); err == nil {
				err = decodeType(f.data, &v)
			}
		}
		return err
	})
	if err != nil && v.Name != "" {
		return v, fmt.Errorf("value %q: %w", v.Name, err)
	}
	return v, err
}

// decodeType decodes a TypeProto. Only tensor types are read; sequences,
// maps and optionals leave v without an element type.
func decodeType(b []byte, v *ValueInfo) error {
	return walk(b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		if err := f.wantType("tensor_type", protowire.BytesType); err != nil {
			return err
		}
		return walk(f.data, func(f field) error {
			switch f.num {
			case 1:
				if err := f.wantType("elem_type", protowire.VarintType); err != nil {
					return err
				}
				v.ElemType = DataType(int32(f.v))
			case 2:
				if err := f.wantType("shape", protowire.BytesType); err != nil {
					return err
				}
				v.HasShape = true
				v.Shape = v.Shape[:0]
				return walk(f.data, func(f field) error {
					if f.num != 1 {
						return nil
					}
					if err := f.wantType("dim", protowire.BytesType); err != nil {
						return err
					}
					if len(v.Shape) >= MaxRank {
						return fmt.Errorf("shape has more than %d dimensions", MaxRank)
					}
					var d Dim
					err := walk(f.data, func(f field) error {
						var err error
						switch f.num {
						case 1:
							err = f.wantType("dim_value", protowire.VarintType)
							d.Value, d.HasValue = int64(f.v), true
						case 2:
							d.Param, err = str(f, "dim_param")
						}
						return err
					})
					v.Shape = append(v.Shape, d)
					return err
				})
			}
			return nil
		})
	})
}
