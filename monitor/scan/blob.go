package scan

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decodeBlob reads width x height little-endian numbers of l.DType.
func decodeBlob(l Layout, payload []byte) ([]float64, error) {
	size, err := dtypeSize(l.DType)
	if err != nil {
		return nil, err
	}
	n := l.Width * l.Height
	if want := n * size; len(payload) != want {
		return nil, fmt.Errorf("blob is %d bytes; layout %d x %d %s needs %d bytes: check width, height and dtype", len(payload), l.Width, l.Height, l.DType, want)
	}
	raw := getRaw(n)
	switch l.DType {
	case DTypeUint8:
		for i, b := range payload {
			raw[i] = float64(b)
		}
	case DTypeUint16:
		for i := range raw {
			raw[i] = float64(binary.LittleEndian.Uint16(payload[2*i:]))
		}
	case DTypeFloat32:
		for i := range raw {
			raw[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(payload[4*i:])))
		}
	case DTypeFloat64:
		for i := range raw {
			raw[i] = math.Float64frombits(binary.LittleEndian.Uint64(payload[8*i:]))
		}
	}
	return raw, nil
}
