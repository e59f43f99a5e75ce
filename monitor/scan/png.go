package scan

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"
)

// Gray converts m to an 8-bit grey image (0 black, 1 white); values outside
// [0,1] are clamped.
func (m Matrix) Gray() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, m.Width, m.Height))
	for i, v := range m.Pix[:min(len(m.Pix), m.Width*m.Height)] {
		img.Pix[i] = toByte(v)
	}
	return img
}

func toByte(v float32) uint8 {
	switch {
	case v >= 1:
		return 255
	case v > 0:
		return uint8(v*255 + 0.5)
	}
	return 0 // also NaN
}

// smallPNG is the most pixels an image may have to be stored without
// compression: setting up the compressor costs far more than the few
// kilobytes it would save on a small scan (28 x 28: 6 µs stored, 200 µs
// compressed, both under 1 KB).
const smallPNG = 128 * 128

// The encoders reuse their buffers (the zlib writer is about 1 MB) across
// calls through a sync.Pool.
var (
	storeEncoder    = png.Encoder{CompressionLevel: png.NoCompression, BufferPool: new(bufferPool)}
	compressEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: new(bufferPool)}
)

type bufferPool sync.Pool

// Get returns a pooled buffer, or nil for the encoder to make one.
func (p *bufferPool) Get() *png.EncoderBuffer {
	b, _ := (*sync.Pool)(p).Get().(*png.EncoderBuffer)
	return b
}

// Put returns a buffer to the pool.
func (p *bufferPool) Put(b *png.EncoderBuffer) { (*sync.Pool)(p).Put(b) }

// EncodePNG writes m as an 8-bit grey PNG, compressed (fastest level)
// when it has more than 128 x 128 pixels.
func EncodePNG(w io.Writer, m Matrix) error {
	if m.Width <= 0 || m.Height <= 0 || len(m.Pix) != m.Width*m.Height {
		return fmt.Errorf("encode png: matrix is %d x %d with %d values", m.Width, m.Height, len(m.Pix))
	}
	enc := &storeEncoder
	if m.Width*m.Height > smallPNG {
		enc = &compressEncoder
	}
	if err := enc.Encode(w, m.Gray()); err != nil {
		return fmt.Errorf("encode png: %w", err)
	}
	return nil
}

// Thumbnail returns m shrunk by box averaging so that neither side exceeds
// maxSide; m itself (not a copy) when it already fits.
func (m Matrix) Thumbnail(maxSide int) Matrix {
	if maxSide <= 0 || (m.Width <= maxSide && m.Height <= maxSide) {
		return m
	}
	f := (max(m.Width, m.Height) + maxSide - 1) / maxSide
	w, h := (m.Width+f-1)/f, (m.Height+f-1)/f
	out := Matrix{Width: w, Height: h, Pix: make([]float32, w*h)}
	for y := range h {
		for x := range w {
			var sum float32
			n := 0
			for yy := y * f; yy < min((y+1)*f, m.Height); yy++ {
				for xx := x * f; xx < min((x+1)*f, m.Width); xx++ {
					sum += m.Pix[yy*m.Width+xx]
					n++
				}
			}
			out.Pix[y*w+x] = sum / float32(n)
		}
	}
	return out
}
