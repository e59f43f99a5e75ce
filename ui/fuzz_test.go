package ui

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzDecodeScan feeds arbitrary bytes to the ad hoc image decoder: it must
// return a valid scan with values in [0,1] or an error, never panic.
func FuzzDecodeScan(f *testing.F) {
	f.Add(pngBytes(&testing.T{}))
	f.Add([]byte("GIF89a"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeScan(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !s.Valid() {
			t.Fatalf("decodeScan returned an invalid scan %dx%d with %d values and no error", s.Width, s.Height, len(s.Pix))
		}
		for i, v := range s.Pix {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("value %d = %v; want within [0,1]", i, v)
			}
		}
	})
}

// FuzzParseThreshold checks that any text typed as a review threshold is
// refused or gives a confidence in (0,1].
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"0.8", "80%", "1", "-1", "NaN", "1e309", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseThreshold(s)
		if err == nil && !(v > 0 && v <= 1) {
			t.Fatalf("parseThreshold(%q) = %v; want a value in (0,1] or an error", s, v)
		}
	})
}

func TestDecodeScanRefusesHugeHeader(t *testing.T) {
	// A PNG whose header claims 100000 x 100000 pixels, with no pixel data.
	img := pngBytes(t)
	hdr := bytes.Clone(img[:33])
	// IHDR: type at 12..15, width and height at 16..23, CRC of 12..28 at 29..32.
	copy(hdr[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(hdr[29:33], crc32.ChecksumIEEE(hdr[12:29]))
	_, err := decodeScan(bytes.NewReader(hdr))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("100000x100000")) {
		t.Errorf("decodeScan(100000x100000 header) error = %v; want the size refused", err)
	}
}
