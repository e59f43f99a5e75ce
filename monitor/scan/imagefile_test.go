package scan

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// greyPNG is a 28 x 28 8-bit grey PNG with a vertical bar of 255 at x=14.
func greyPNG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 5; y < 23; y++ {
		img.SetGray(14, y, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzDecodeImageFile feeds bytes from outside (a file opened for ad hoc
// grading or "gradewatch grade") to the one image decoder with each kind
// of layout an entry point uses: a valid matrix with values in [0,1] or an
// error, never a panic, and never a side above MaxImageSide.
func FuzzDecodeImageFile(f *testing.F) {
	f.Add(greyPNG(f), uint8(0))
	f.Add([]byte("GIF89a"), uint8(1))
	f.Add([]byte{0xff, 0xd8, 0xff}, uint8(2))
	f.Add([]byte("BM"), uint8(3))
	f.Add([]byte("II*\x00"), uint8(0))
	layouts := []Layout{
		DefaultImageLayout,
		SavedImageLayout,
		ImageLayout(Layout{Format: FormatBlob, DType: DTypeUint16, Width: 4, Height: 4, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 4095}}),
		ImageLayout(Layout{Format: FormatBlob, DType: DTypeUint8, Width: 4, Height: 4, Normalize: Normalization{Mode: NormZScore}, MaxInvalid: 1}),
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		m, rep, err := DecodeImageFile(layouts[int(which)%len(layouts)], bytes.NewReader(data))
		if err != nil {
			return
		}
		if m.Width > MaxImageSide || m.Height > MaxImageSide {
			t.Fatalf("decoded %d x %d; sides above %d must be refused", m.Width, m.Height, MaxImageSide)
		}
		checkMatrix(t, m, rep)
	})
}

// A header claiming a huge image is refused before any pixel is decoded.
func TestDecodeImageFileRefusesHugeHeader(t *testing.T) {
	hdr := bytes.Clone(greyPNG(t)[:33])
	// IHDR: width and height at 16..23, CRC of 12..28 at 29..32.
	copy(hdr[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(hdr[29:33], crc32.ChecksumIEEE(hdr[12:29]))
	_, _, err := DecodeImageFile(DefaultImageLayout, bytes.NewReader(hdr))
	if err == nil || !strings.Contains(err.Error(), "100000 x 100000") {
		t.Errorf("DecodeImageFile(100000x100000 header) error = %v; want the size refused", err)
	}
	_, _, err = DecodeImageFile(Layout{Format: FormatBlob}, bytes.NewReader(greyPNG(t)))
	if err == nil || !strings.Contains(err.Error(), "ImageLayout") {
		t.Errorf("DecodeImageFile(blob layout) error = %v; want it refused", err)
	}
}

// The entry points decode one image identically: the default layout, the
// layout of a source normalising 0..255 (the demo's), and GIF as PNG.
func TestImageLayoutsAgree(t *testing.T) {
	file := greyPNG(t)
	want, _, err := DecodeImageFile(DefaultImageLayout, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if want.At(14, 10) != 1 || want.At(0, 0) != 0 {
		t.Fatalf("default decode: (14,10)=%v (0,0)=%v; want 1 and 0", want.At(14, 10), want.At(0, 0))
	}
	demo := Layout{Format: FormatBlob, DType: DTypeUint8, Width: 28, Height: 28, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 255}}
	got, _, err := DecodeImageFile(ImageLayout(demo), bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ImageLayout(demo) (-default +got):\n%s", diff)
	}
	img, _ := png.Decode(bytes.NewReader(file))
	pal := image.NewPaletted(img.Bounds(), color.Palette{color.Gray{0}, color.Gray{255}})
	for y := range 28 {
		for x := range 28 {
			pal.Set(x, y, img.At(x, y))
		}
	}
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err = DecodeImageFile(DefaultImageLayout, &g)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GIF (-PNG +GIF):\n%s", diff)
	}
}

// WritePNGFile and SavedImageLayout round-trip a matrix to 8-bit levels.
func TestWritePNGFileRoundTrip(t *testing.T) {
	m := Matrix{Width: 3, Height: 2, Pix: []float32{0, 0.5, 1, 1, 0.25, 0}}
	path := filepath.Join(t.TempDir(), "day", "scan.png")
	if err := WritePNGFile(path, m); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadImageFile(SavedImageLayout, path)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range m.Pix {
		if d := got.Pix[i] - float32(toByte(v))/255; d != 0 {
			t.Errorf("value %d = %v; want %v (8-bit level %d)", i, got.Pix[i], float32(toByte(v))/255, toByte(v))
		}
	}
}
