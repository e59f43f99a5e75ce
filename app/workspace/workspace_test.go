package workspace

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/internal/apptest"
)

// fastDemo creates a demo workspace whose sources poll every 100 ms, and
// returns its configuration file.
func fastDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path, err := InitDemo(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Sources {
		cfg.Sources[i].Interval = "100ms"
	}
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWorkspaceHotReload replaces the model file of a running workspace:
// a bad file is refused and grading goes on with the old model; a good one
// grades every scan inserted after the swap.
func TestWorkspaceHotReload(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	path := fastDemo(t)
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	changes := make(chan ModelChange, 10)
	w.Models.OnChange(func(c ModelChange) { changes <- c })
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	rng := rand.New(rand.NewPCG(1, 1))
	simulateAndWait := func(n int) {
		t.Helper()
		if _, err := demo.Simulate(ctx, w.Store, rng, n, 0); err != nil {
			t.Fatal(err)
		}
		apptest.WaitFor(t, "the monitor to catch up", func() bool {
			for _, s := range w.Config.Sources {
				p, err := w.Store.Pending(ctx, s.StorageSource())
				if err != nil || p.Count > 0 {
					return false
				}
			}
			return true
		})
	}
	shaOf := func(source, key string) string {
		t.Helper()
		r, err := w.Store.ResultByKey(ctx, source, key)
		if err != nil {
			t.Fatalf("result of %s/%s: %v", source, key, err)
		}
		return r.ModelSHA256
	}
	orig := w.Models.Current().Info().SHA256
	simulateAndWait(4) // keys 1, 2 in each source
	if got := shaOf(demo.BlobSource, "1"); got != orig {
		t.Fatalf("first scan graded by %s; want %s", shortSHA(got), shortSHA(orig))
	}

	replaceFile(t, w.Models.Path(), []byte("corrupt"))
	if c := waitChange(t, changes); c.Err == nil {
		t.Fatalf("corrupt model accepted: %+v", c)
	}
	simulateAndWait(2) // key 3 in each source, graded by the old model
	if got := shaOf(demo.BlobSource, "3"); got != orig {
		t.Errorf("after a refused model, scan graded by %s; want the running %s", shortSHA(got), shortSHA(orig))
	}

	replaceFile(t, w.Models.Path(), variantModel())
	c := waitChange(t, changes)
	if c.Err != nil {
		t.Fatalf("valid model refused: %v", c.Err)
	}
	simulateAndWait(2) // key 4 in each source, graded by the new model
	for _, src := range []string{demo.BlobSource, demo.PointsSource} {
		if got := shaOf(src, "4"); got != c.Current.SHA256 {
			t.Errorf("after the swap, %s/4 graded by %s; want the new %s", src, shortSHA(got), shortSHA(c.Current.SHA256))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v; want nil after ctx ends", err)
	}
}

// TestEnsureWorkspaceFirstRun checks the console's first start: with no
// configuration the demo workspace is created in the user's configuration
// folder, and the next start opens the same one.
func TestEnsureWorkspaceFirstRun(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home) // os.UserConfigDir on Linux and BSD
	t.Setenv("HOME", home)            // on macOS
	t.Setenv("AppData", home)         // on Windows
	want, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	path, cfg, err := Ensure(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(want, ConfigFile) || !cfg.Demo {
		t.Fatalf("Ensure = %s (demo %v); want the demo in %s", path, cfg.Demo, want)
	}
	// The user changes the workspace; the next start keeps the change.
	cfg.Review.Threshold = 0.5
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	_, again, err := Ensure(t.Context(), "")
	if err != nil || again.Review.Threshold != 0.5 {
		t.Errorf("second Ensure = threshold %v, %v; want the saved 0.5", again.Review.Threshold, err)
	}
	// An explicit --config is loaded as it is.
	other := filepath.Join(t.TempDir(), "missing.json")
	if _, _, err := Ensure(t.Context(), other); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Ensure(missing file) = %v; want a not-exist error", err)
	}
}

// TestSimulateLine checks the console's demo line inserts scans at about
// the asked rate and stops with its context.
func TestSimulateLine(t *testing.T) {
	path := fastDemo(t)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	start := time.Now()
	demo.SimulateLine(ctx, st, 20, func(err error) { t.Errorf("demo line: %v", err) })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("SimulateLine returned %v after its context ended; want promptly", d)
	}
	var n int
	for _, s := range cfg.Sources {
		var c int
		if err := st.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+s.Table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	// 20 scans/s for 1 s: about 20, allowing for a slow shared machine.
	if n < 5 || n > 25 {
		t.Errorf("demo line inserted %d scans in 1s at 20/s; want about 20", n)
	}
}

// TestWorkspaceOpensWithoutModel checks that a workspace whose model file
// is broken still opens (so the console can show why), grades nothing, and
// starts grading once a valid model file appears.
func TestWorkspaceOpensWithoutModel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	path := fastDemo(t)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(cfg.ModelPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.ModelPath(), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open with a broken model: %v; want it to open", err)
	}
	defer w.Close()
	if w.ModelErr == nil || w.Models.Current() != nil {
		t.Fatalf("ModelErr = %v, Current = %v; want the load error and no model", w.ModelErr, w.Models.Current())
	}
	if err := w.Models.Restore(); err == nil {
		t.Error("Restore with no model succeeded; want an error")
	}
	changes := make(chan ModelChange, 10)
	w.Models.OnChange(func(c ModelChange) { changes <- c })
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	if _, err := demo.Simulate(ctx, w.Store, rand.New(rand.NewPCG(3, 3)), 2, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := w.Store.ResultByKey(ctx, demo.BlobSource, "1"); err == nil {
		t.Fatal("a scan was graded with no model loaded")
	}
	replaceFile(t, cfg.ModelPath(), good)
	if c := waitChange(t, changes); c.Err != nil || c.Current.SHA256 == "" {
		t.Fatalf("valid model after a broken one: %+v", c)
	}
	apptest.WaitFor(t, "the waiting scans to be graded", func() bool {
		_, e1 := w.Store.ResultByKey(ctx, demo.BlobSource, "1")
		_, e2 := w.Store.ResultByKey(ctx, demo.PointsSource, "1")
		return e1 == nil && e2 == nil
	})
	cancel()
	<-done
}
