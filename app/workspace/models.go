package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/gradewatch/gradewatch/inference"
)

// ModelChange describes a model reload: a replacement that was swapped in,
// or one that was refused (Err set) while the running model stays.
type ModelChange struct {
	Path     string
	Previous inference.Info // the model running before; zero if none
	Current  inference.Info // the model running now
	Err      error          // why a replacement was refused; nil if it was swapped in
}

// Models holds the running model, keeps the previous one so it can be
// restored, and reloads the model file when it changes. All methods are
// safe for concurrent use.
type Models struct {
	mu       sync.Mutex
	path     string
	current  *inference.Model
	previous *inference.Model
	// sidecar is the SHA-256 of the current model's sidecar JSON ("" if
	// none), so that a changed sidecar alone also reloads the model.
	sidecar     string
	prevSidecar string
	onChange    []func(ModelChange)
	// swapped is called with every model that becomes current, outside mu
	// (the monitor's SetGrader).
	swapped func(*inference.Model)
}

// debounce is how long the watcher waits after the last change to the
// model file before reloading it, so a file copied in several writes is
// read once, complete.
const debounce = 400 * time.Millisecond

// loadModels loads and validates the model at path.
func loadModels(ctx context.Context, path string) (*Models, error) {
	m, err := LoadValidModel(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Models{path: path, current: m, sidecar: sidecarSum(path)}, nil
}

// sidecarPath returns the sidecar JSON file of a model file.
func sidecarPath(model string) string {
	return strings.TrimSuffix(model, filepath.Ext(model)) + ".json"
}

// sidecarSum returns the hex SHA-256 of a model's sidecar file, or "" if
// it cannot be read.
func sidecarSum(model string) string {
	data, err := os.ReadFile(sidecarPath(model))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// LoadValidModel loads the model file at path and checks it can grade: it
// must take an image and classify a blank one.
func LoadValidModel(ctx context.Context, path string) (*inference.Model, error) {
	m, err := inference.LoadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	pp := m.Info().Preprocess
	if pp.Width <= 0 || pp.Height <= 0 {
		return nil, fmt.Errorf("load model %s: its input is not an image; use a classifier with a 1x1xHxW or 1xCxHxW input", path)
	}
	blank := inference.Image{Width: pp.Width, Height: pp.Height, Pix: make([]float32, pp.Width*pp.Height)}
	preds, err := m.Classify(ctx, []inference.Image{blank})
	if err != nil {
		return nil, fmt.Errorf("load model %s: test grading: %w", path, err)
	}
	if len(preds) != 1 || len(preds[0].Probs) < 2 {
		return nil, fmt.Errorf("load model %s: test grading gave no class probabilities; use a classifier with at least 2 classes", path)
	}
	return m, nil
}

// infoOf returns m's description, or the zero Info for no model.
func infoOf(m *inference.Model) inference.Info {
	if m == nil {
		return inference.Info{}
	}
	return m.Info()
}

// Current returns the running model, or nil while none could be loaded.
func (ms *Models) Current() *inference.Model {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.current
}

// Previous returns the model that ran before the last swap, or nil.
func (ms *Models) Previous() *inference.Model {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.previous
}

// Path returns the watched model file.
func (ms *Models) Path() string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.path
}

// OnChange registers fn to be called (from the watcher's goroutine) after
// every reload attempt.
func (ms *Models) OnChange(fn func(ModelChange)) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.onChange = append(ms.onChange, fn)
}

// onSwap sets the function given every model that becomes current.
func (ms *Models) onSwap(fn func(*inference.Model)) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.swapped = fn
}

// Reload reads the model file again. A valid file whose contents differ
// from the running model is swapped in and the running model becomes the
// previous one; an invalid file is refused with an error and the running
// model stays. It reports whether the model was swapped.
func (ms *Models) Reload(ctx context.Context) (bool, error) {
	return ms.load(ctx, ms.Path())
}

// SetPath loads the model at path and, if it is valid, makes it current
// and watches path from now on.
func (ms *Models) SetPath(ctx context.Context, path string) error {
	_, err := ms.load(ctx, path)
	return err
}

func (ms *Models) load(ctx context.Context, path string) (bool, error) {
	m, err := LoadValidModel(ctx, path)
	side := sidecarSum(path)
	ms.mu.Lock()
	prev := ms.current
	change := ModelChange{Path: path, Previous: infoOf(prev), Err: err}
	swapped := false
	switch {
	case err != nil:
		change.Current = infoOf(prev)
	case prev != nil && m.Info().SHA256 == prev.Info().SHA256 && side == ms.sidecar && path == ms.path:
		change.Current = infoOf(prev) // same bytes: nothing to do
		ms.mu.Unlock()
		return false, nil
	default:
		ms.previous, ms.current, ms.path = prev, m, path
		ms.prevSidecar, ms.sidecar = ms.sidecar, side
		change.Current = m.Info()
		swapped = true
	}
	fns := append([]func(ModelChange){}, ms.onChange...)
	swap := ms.swapped
	cur := ms.current
	ms.mu.Unlock()
	if swapped && swap != nil {
		swap(cur)
	}
	for _, fn := range fns {
		fn(change)
	}
	if err != nil {
		if prev == nil {
			return false, fmt.Errorf("model %s refused, no model is running: %w", path, err)
		}
		return false, fmt.Errorf("model %s refused, still running %s: %w", path, prev.Info().Name, err)
	}
	return swapped, nil
}

// Restore swaps the previous model back in (the current one becomes the
// previous). It fails when there is no previous model.
func (ms *Models) Restore() error {
	ms.mu.Lock()
	if ms.previous == nil || ms.current == nil {
		ms.mu.Unlock()
		return errors.New("restore model: there is no previous model to restore")
	}
	ms.current, ms.previous = ms.previous, ms.current
	ms.sidecar, ms.prevSidecar = ms.prevSidecar, ms.sidecar
	change := ModelChange{Path: ms.path, Previous: infoOf(ms.previous), Current: infoOf(ms.current)}
	fns := append([]func(ModelChange){}, ms.onChange...)
	swap, cur := ms.swapped, ms.current
	ms.mu.Unlock()
	if swap != nil {
		swap(cur)
	}
	for _, fn := range fns {
		fn(change)
	}
	return nil
}

// Watch reloads the model when its file or its sidecar JSON changes, until
// ctx is done. It watches the folder, so a file replaced by a rename (the
// usual way to publish a model) is seen too. Reload errors are reported
// through OnChange, not returned.
func (ms *Models) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch model: %w", err)
	}
	defer w.Close()
	dir := filepath.Dir(ms.Path())
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch model folder %s: %w", dir, err)
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ms.concerns(ev.Name) && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			ms.report(ModelChange{Path: ms.Path(), Err: fmt.Errorf("watch model folder %s: %w", dir, err)})
		case <-timer.C:
			// A failed reload is already reported to OnChange.
			_, _ = ms.Reload(ctx)
			if d := filepath.Dir(ms.Path()); d != dir { // SetPath moved the model
				_ = w.Remove(dir)
				if err := w.Add(d); err != nil {
					return fmt.Errorf("watch model folder %s: %w", d, err)
				}
				dir = d
			}
		}
	}
}

// concerns reports whether a changed file is the model or its sidecar.
func (ms *Models) concerns(name string) bool {
	p := ms.Path()
	side := sidecarPath(p)
	name = filepath.Clean(name)
	return name == filepath.Clean(p) || name == filepath.Clean(side)
}

func (ms *Models) report(c ModelChange) {
	ms.mu.Lock()
	fns := append([]func(ModelChange){}, ms.onChange...)
	c.Current = infoOf(ms.current)
	ms.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
}
