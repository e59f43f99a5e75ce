package onnx

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// elemSize returns the byte size of one element in raw_data, or 0 for
// types the decoder does not read.
func elemSize(d DataType) int {
	switch d {
	case Float, Int32, Uint32:
		return 4
	case Int64, Uint64:
		return 8
	case Int16, Uint16:
		return 2
	case Int8, Uint8, Bool:
		return 1
	}
	return 0
}

func (d *decoder) decodeTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	var raw []byte
	var hasRaw, external bool
	var ints []int64 // int32_data, int64_data or uint64_data, before the type is known
	var nInts int
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			if t.Dims, err = appendInt64s(t.Dims, f, "dims", MaxRank); err != nil {
				return err
			}
		case 2:
			err = f.wantType("data_type", protowire.VarintType)
			t.DataType = DataType(int32(f.v))
		case 3:
			return fmt.Errorf("segmented tensors are not supported, re-save the model in one piece: %w", ErrUnsupported)
		case 4:
			t.Float, err = appendFloats(t.Float, f, "float_data")
		case 5, 7, 11:
			ints, err = appendInt64s(ints, f, "int_data", maxIntElements)
			nInts++
		case 6:
			return fmt.Errorf("string tensors are not supported: %w", ErrUnsupported)
		case 8:
			t.Name, err = str(f, "name")
		case 9:
			err = f.wantType("raw_data", protowire.BytesType)
			raw, hasRaw = f.data, true
		case 10:
			return fmt.Errorf("double_data: DOUBLE tensors are not supported, the engine computes in float32; re-export the model with float32 weights: %w", ErrUnsupported)
		case 13:
			external = true
		case 14:
			if f.v == 1 {
				external = true
			}
		}
		return err
	})
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if external {
		return nil, tensorErr(t, fmt.Errorf("data is stored in an external file, which is not supported; re-save the model with its weights inside (onnx.save_model with save_as_external_data=False): %w", ErrUnsupported))
	}
	n, err := checkDims(t.Dims)
	if err != nil {
		return nil, tensorErr(t, err)
	}
	size := elemSize(t.DataType)
	if size == 0 {
		return nil, tensorErr(t, fmt.Errorf("data type %s (%d) is not supported, use FLOAT for data and INT64 for shapes and indices: %w", t.DataType, t.DataType, ErrUnsupported))
	}
	if t.DataType != Float {
		if n > d.intBudget {
			return nil, tensorErr(t, fmt.Errorf("integer tensors with more than %d elements in all exceed the decoder's limit", maxIntElements))
		}
		d.intBudget -= n
	}
	if hasRaw {
		if len(t.Float) > 0 || len(ints) > 0 {
			return nil, tensorErr(t, fmt.Errorf("has both raw_data and typed data"))
		}
		if int64(len(raw)) != n*int64(size) {
			return nil, tensorErr(t, fmt.Errorf("raw_data has %d bytes, want %d for shape %v of %s", len(raw), n*int64(size), t.Dims, t.DataType))
		}
		decodeRaw(t, raw, int(n))
		return t, nil
	}
	if t.DataType == Float {
		if len(ints) > 0 {
			return nil, tensorErr(t, fmt.Errorf("FLOAT tensor carries integer data"))
		}
		if int64(len(t.Float)) != n {
			return nil, tensorErr(t, fmt.Errorf("float_data has %d values, want %d for shape %v", len(t.Float), n, t.Dims))
		}
		return t, nil
	}
	if len(t.Float) > 0 {
		return nil, tensorErr(t, fmt.Errorf("%s tensor carries float data", t.DataType))
	}
	if int64(len(ints)) != n {
		return nil, tensorErr(t, fmt.Errorf("integer data has %d values, want %d for shape %v", len(ints), n, t.Dims))
	}
	for i, v := range ints {
		switch t.DataType {
		case Int32:
			ints[i] = int64(int32(v))
		case Bool:
			if v != 0 {
				ints[i] = 1
			}
		}
	}
	t.Int64 = ints
	return t, nil
}

func tensorErr(t *Tensor, err error) error {
	if t.Name != "" {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return fmt.Errorf("tensor: %w", err)
}

// checkDims validates dims and returns the element count.
func checkDims(dims []int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d in %v is negative", d, dims)
		}
		if d > MaxElements || (d > 0 && n > MaxElements/d) {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, MaxElements)
		}
		n *= d
	}
	return n, nil
}

func decodeRaw(t *Tensor, raw []byte, n int) {
	if t.DataType == Float {
		t.Float = make([]float32, n)
		for i := range t.Float {
			t.Float[i] = float32frombits(le32(raw[4*i:]))
		}
		return
	}
	t.Int64 = make([]int64, n)
	for i := range t.Int64 {
		var v int64
		switch t.DataType {
		case Int64, Uint64:
			v = int64(le64(raw[8*i:]))
		case Int32:
			v = int64(int32(le32(raw[4*i:])))
		case Uint32:
			v = int64(le32(raw[4*i:]))
		case Int16:
			v = int64(int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8))
		case Uint16:
			v = int64(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
		case Int8:
			v = int64(int8(raw[i]))
		case Uint8:
			v = int64(raw[i])
		case Bool:
			if raw[i] != 0 {
				v = 1
			}
		}
		t.Int64[i] = v
	}
}
