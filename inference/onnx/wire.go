package onnx

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Limits that keep hostile files from exhausting memory. Real CNN
// classifiers are far inside them.
const (
	// MaxRank is the largest tensor rank accepted.
	MaxRank = 16
	// MaxElements is the largest number of elements in one tensor.
	MaxElements = 1 << 30
	// maxIntElements bounds integer tensors, which are widened to int64
	// (8 bytes per element however they are stored in the file).
	maxIntElements = 1 << 24
)

// ErrUnsupported marks a well-formed file that uses a feature the decoder
// does not read (external data, string or double tensors, segments).
var ErrUnsupported = errors.New("unsupported ONNX feature")

// errTruncated is returned when a field runs past the end of its message.
var errTruncated = errors.New("truncated or malformed protobuf field (the file is damaged or is not an ONNX file)")

// field is one decoded protobuf field: for the bytes wire type data holds
// its contents, otherwise v holds the varint or fixed-width value.
type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64
	data []byte
}

// walk calls fn for every field of the message in b. It refuses groups and
// reports truncation.
func walk(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errTruncated
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.data, n = protowire.ConsumeBytes(b)
		default:
			return fmt.Errorf("field %d uses protobuf wire type %d, which ONNX never uses (the file is damaged or is not an ONNX file)", num, typ)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, errTruncated)
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// wantType checks that f has wire type typ.
func (f field) wantType(name string, typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("field %s (%d) has wire type %d, want %d", name, f.num, f.typ, typ)
	}
	return nil
}

// appendInt64s appends a repeated int64 field (packed or not) to dst.
func appendInt64s(dst []int64, f field, name string, limit int) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		if len(dst) >= limit {
			return nil, fmt.Errorf("field %s has more than %d values", name, limit)
		}
		return append(dst, int64(f.v)), nil
	case protowire.BytesType:
		b := f.data
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("field %s: %w", name, errTruncated)
			}
			if len(dst) >= limit {
				return nil, fmt.Errorf("field %s has more than %d values", name, limit)
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %s (%d) has wire type %d, want varint or packed", name, f.num, f.typ)
}

// appendFloats appends a repeated float field (packed or not) to dst.
func appendFloats(dst []float32, f field, name string) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		if len(f.data)%4 != 0 {
			return nil, fmt.Errorf("field %s: packed floats use %d bytes, not a multiple of 4", name, len(f.data))
		}
		dst = growFloats(dst, len(f.data)/4)
		for b := f.data; len(b) > 0; b = b[4:] {
			dst = append(dst, float32frombits(le32(b)))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %s (%d) has wire type %d, want fixed32 or packed", name, f.num, f.typ)
}

func growFloats(s []float32, n int) []float32 {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]float32, len(s), len(s)+n)
	copy(t, s)
	return t
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}
