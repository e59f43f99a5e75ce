package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/inference"
)

// variantModel returns the demo model with an unknown protobuf field
// (number 1000, varint 1) appended: the same network, different bytes and
// so a different SHA-256.
func variantModel() []byte {
	return append(append([]byte(nil), demo.ModelONNX()...), 0xC0, 0x3E, 0x01)
}

// replaceFile publishes data at path the way model files usually are:
// written beside it, then renamed over it.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// shortSHA returns the first 12 hex digits of a SHA-256, for messages.
func shortSHA(sha string) string { return sha[:min(12, len(sha))] }

func waitChange(t *testing.T, ch <-chan ModelChange) ModelChange {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no model change reported within 10s")
		return ModelChange{}
	}
}

func TestModelsHotReload(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	path, err := demo.WriteModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadModels(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	orig := ms.Current().Info().SHA256
	changes := make(chan ModelChange, 10)
	ms.OnChange(func(c ModelChange) { changes <- c })
	swaps := make(chan string, 10)
	ms.onSwap(func(m *inference.Model) { swaps <- m.Info().SHA256 })
	done := make(chan error, 1)
	go func() { done <- ms.Watch(ctx) }()
	time.Sleep(100 * time.Millisecond) // let the watcher start

	// A bad file is refused and the running model stays.
	replaceFile(t, path, []byte("this is not an onnx model"))
	c := waitChange(t, changes)
	if c.Err == nil {
		t.Fatalf("bad model file: change %+v; want an error", c)
	}
	if got := ms.Current().Info().SHA256; got != orig {
		t.Errorf("after a bad file the running model is %s; want the original %s", got, orig)
	}

	// A valid replacement is swapped in; the original becomes previous.
	variant := variantModel()
	replaceFile(t, path, variant)
	c = waitChange(t, changes)
	if c.Err != nil {
		t.Fatalf("valid replacement refused: %v", c.Err)
	}
	if c.Previous.SHA256 != orig || c.Current.SHA256 == orig || ms.Current().Info().SHA256 != c.Current.SHA256 {
		t.Errorf("after a valid replacement: change %s -> %s, current %s; want %s -> the new model", shortSHA(c.Previous.SHA256), shortSHA(c.Current.SHA256), shortSHA(ms.Current().Info().SHA256), shortSHA(orig))
	}
	select {
	case sha := <-swaps:
		if sha != c.Current.SHA256 {
			t.Errorf("the monitor was given model %s; want %s", shortSHA(sha), shortSHA(c.Current.SHA256))
		}
	default:
		t.Error("the swap was not passed on to the monitor")
	}
	if ms.Previous() == nil || ms.Previous().Info().SHA256 != orig {
		t.Error("Previous() is not the original model after a swap")
	}

	// Restore brings the original back.
	if err := ms.Restore(); err != nil {
		t.Fatal(err)
	}
	c = waitChange(t, changes)
	if got := ms.Current().Info().SHA256; got != orig || c.Current.SHA256 != orig {
		t.Errorf("after Restore the running model is %s; want the original %s", shortSHA(got), shortSHA(orig))
	}

	// A changed sidecar alone (new labels) is a new model too.
	side := filepath.Join(dir, demo.ModelFolder, demo.SidecarFile)
	relabelled := strings.Replace(string(demo.ModelSidecar()), `"labels":["0","1","2","3","4","5","6","7","8","9"]`, `"labels":["a","b","c","d","e","f","g","h","i","j"]`, 1)
	if relabelled == string(demo.ModelSidecar()) {
		t.Fatal("test setup: the demo sidecar's labels are not where the test expects them")
	}
	replaceFile(t, side, []byte(relabelled))
	c = waitChange(t, changes)
	if c.Err != nil || len(c.Current.Labels) != 10 || c.Current.Labels[0] != "a" {
		t.Errorf("after a new sidecar: change err %v, labels %v; want labels a..j", c.Err, c.Current.Labels)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v; want nil when ctx ends", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch did not return after ctx ended")
	}
}

func TestModelsRefuseAtStart(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("nope")},
		{"empty", nil},
		{"truncated", demo.ModelONNX()[:1000]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".onnx")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := loadModels(t.Context(), path); err == nil {
				t.Errorf("loadModels(%s) succeeded; want an error", tt.name)
			}
		})
	}
	if _, err := loadModels(t.Context(), filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("loadModels(missing) succeeded; want an error")
	}
}
