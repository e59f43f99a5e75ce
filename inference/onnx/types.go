package onnx

// Model is a decoded ModelProto.
type Model struct {
	IRVersion       int64
	OpsetImports    []OpsetID
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph
	Metadata        []Property
}

// Opset returns the version of the opset imported for domain ("" and
// "ai.onnx" both mean the default domain), or 0 if it is not imported.
func (m *Model) Opset(domain string) int64 {
	if domain == "ai.onnx" {
		domain = ""
	}
	for _, o := range m.OpsetImports {
		d := o.Domain
		if d == "ai.onnx" {
			d = ""
		}
		if d == domain {
			return o.Version
		}
	}
	return 0
}

// MetadataValue returns the value of the metadata property key and whether
// it is present.
func (m *Model) MetadataValue(key string) (string, bool) {
	for _, p := range m.Metadata {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// OpsetID is a decoded OperatorSetIdProto.
type OpsetID struct {
	Domain  string
	Version int64
}

// Property is a decoded StringStringEntryProto (metadata_props).
type Property struct {
	Key, Value string
}

// Graph is a decoded GraphProto.
type Graph struct {
	Name         string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
	// SparseInitializers counts sparse initializers, which are not supported.
	SparseInitializers int
}

// Node is a decoded NodeProto.
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string
	Outputs []string
	Attrs   []*Attribute
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// AttrType is the AttributeProto.AttributeType enumeration.
type AttrType int32

// Attribute types, numbered as in onnx.proto.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

// String returns the onnx.proto name of the attribute type.
func (t AttrType) String() string {
	names := [...]string{"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS",
		"STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"}
	if t >= 0 && int(t) < len(names) {
		return names[t]
	}
	return "UNKNOWN"
}

// Attribute is a decoded AttributeProto. Graph, sparse tensor and type
// attributes are recorded by type only.
type Attribute struct {
	Name string
	// Type is the declared type; when an old file leaves it unset it is
	// inferred from the field that carries a value.
	Type    AttrType
	F       float32
	I       int64
	S       []byte
	T       *Tensor
	Floats  []float32
	Ints    []int64
	Strings [][]byte
	Tensors []*Tensor
	// RefAttrName is set for attributes of function bodies that refer to
	// an attribute of the calling node.
	RefAttrName string
}

// DataType is the TensorProto.DataType enumeration.
type DataType int32

// Tensor element types, numbered as in onnx.proto.
const (
	Undefined DataType = 0
	Float     DataType = 1
	Uint8     DataType = 2
	Int8      DataType = 3
	Uint16    DataType = 4
	Int16     DataType = 5
	Int32     DataType = 6
	Int64     DataType = 7
	String    DataType = 8
	Bool      DataType = 9
	Float16   DataType = 10
	Double    DataType = 11
	Uint32    DataType = 12
	Uint64    DataType = 13
)

// String returns the onnx.proto name of the data type.
func (d DataType) String() string {
	names := [...]string{"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
		"STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64"}
	if d >= 0 && int(d) < len(names) {
		return names[d]
	}
	return "UNKNOWN"
}

// Tensor is a decoded TensorProto. FLOAT data is in Float; integer and
// boolean data (INT64, INT32, INT16, INT8, UINT16, UINT8, UINT32, BOOL) is
// widened into Int64, keeping DataType as declared.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType DataType
	Float    []float32
	Int64    []int64
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// ValueInfo is a decoded ValueInfoProto: a name with an optional tensor type.
type ValueInfo struct {
	Name     string
	ElemType DataType
	// HasShape reports whether a shape was given; a missing shape means
	// the rank is unknown.
	HasShape bool
	Shape    []Dim
}

// Dim is one dimension of a tensor shape: a fixed Value, a symbolic Param
// (such as "N" or "batch_size"), or neither (unknown).
type Dim struct {
	Value    int64
	Param    string
	HasValue bool
}
