// Package workspace opens a Gradewatch workspace: its configuration file,
// its database (migrated), its model (watched and swapped live, see Models)
// and the monitor that grades its sources. It also creates the demo
// workspace (InitDemo) used when nothing is configured. The headless
// runner and the console both start from Open.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/storage"
)

// ConfigFile is the name of the configuration file in a workspace folder.
const ConfigFile = "config.json"

// Workspace is an opened configuration: its database (migrated), its model
// (watched for changes) and the monitor that grades its sources. The
// headless runner and the console both build one with Open.
type Workspace struct {
	// ConfigPath is the configuration file the workspace was opened from.
	ConfigPath string
	// Config is the loaded configuration.
	Config *config.Config
	// Store is the open database.
	Store *storage.Store
	// Models holds the running model and reloads it when its file changes.
	Models *Models
	// ModelErr is why the configured model could not be loaded when the
	// workspace was opened (Models.Current is then nil until a valid file
	// appears or Models.SetPath is given one); nil if it loaded.
	ModelErr error
	// Monitor polls and grades the configured sources; nil when the
	// configuration has no enabled source.
	Monitor *monitor.Monitor

	closeOnce sync.Once
}

// Open loads the configuration at configPath, opens and migrates
// its database, loads its model and builds the monitor. The monitor does
// not run until Run is called. Close the workspace when done. A model
// that cannot be loaded does not stop it opening: see ModelErr.
func Open(ctx context.Context, configPath string) (*Workspace, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, err
	}
	driver, dsn, err := cfg.ConnectionString(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", configPath, err)
	}
	st, err := storage.Open(ctx, driver, dsn, cfg.Tables.StorageTables())
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", configPath, err)
	}
	w := &Workspace{ConfigPath: configPath, Config: cfg, Store: st}
	if err := st.Migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open workspace %s: %w", configPath, err)
	}
	w.Models, err = loadModels(ctx, cfg.ModelPath())
	if err != nil {
		// Open anyway so that the console can show the problem and a
		// fixed model file (or a new path in the settings) is picked up;
		// the sources wait until a model is loaded.
		w.ModelErr = err
		w.Models = &Models{path: cfg.ModelPath()}
	}
	mcfg := monitorConfig(cfg, st, w.Models.Current())
	if len(mcfg.Sources) > 0 {
		w.Monitor, err = monitor.New(mcfg)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open workspace %s: %w", configPath, err)
		}
		w.Models.onSwap(func(m *inference.Model) { w.Monitor.SetGrader(m) })
	}
	return w, nil
}

// monitorConfig maps a validated configuration to the monitor's.
func monitorConfig(cfg *config.Config, st *storage.Store, model *inference.Model) monitor.Config {
	mc := monitor.Config{Store: st}
	if model != nil { // a nil *Model in the interface would not be a nil Grader
		mc.Grader = model
	}
	if cfg.Images.Enabled {
		mc.ImageDir = cfg.ImageFolder()
		// A folder that cannot be made is not fatal: the monitor shows
		// unwritable image folders in its status and keeps grading.
		_ = os.MkdirAll(mc.ImageDir, 0o755)
	}
	for _, s := range cfg.Sources {
		if s.Disabled {
			continue
		}
		mc.Sources = append(mc.Sources, monitor.SourceConfig{
			Source:    s.StorageSource(),
			Layout:    s.ScanLayout(),
			Interval:  s.PollInterval(),
			BatchSize: s.BatchSize,
		})
	}
	return mc
}

// Run grades the sources and watches the model file until ctx is done,
// then returns nil. Model reload problems, and a model file that cannot be
// watched, are reported through Models.OnChange.
func (w *Workspace) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if w.Config.WatchModel() {
		wg.Go(func() {
			// Grading goes on without the watch; the failure is shown
			// like a refused model.
			if err := w.Models.Watch(ctx); err != nil {
				w.Models.report(ModelChange{Path: w.Models.Path(), Err: fmt.Errorf("model file is not watched, changes need a restart: %w", err)})
			}
		})
	}
	var err error
	if w.Monitor != nil {
		err = w.Monitor.Run(ctx)
	} else {
		<-ctx.Done()
	}
	cancel()
	wg.Wait()
	return err
}

// Close closes the database. It is safe to call more than once.
func (w *Workspace) Close() error {
	var err error
	w.closeOnce.Do(func() {
		if w.Store != nil {
			err = w.Store.Close()
		}
	})
	return err
}

// DefaultDir returns the folder of the workspace used when no
// configuration is given: Gradewatch in the user's configuration folder.
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user's configuration folder: %w; pass --config FILE", err)
	}
	return filepath.Join(base, "Gradewatch"), nil
}

// Ensure returns the configuration file to open and its
// contents. With configPath set it loads that file. With configPath empty
// it uses config.json in DefaultDir, creating the demo workspace
// there on first run, so the console has something to show with nothing
// set up (and completing it on later runs, see InitDemo).
func Ensure(ctx context.Context, configPath string) (string, *config.Config, error) {
	if configPath != "" {
		cfg, err := config.Load(configPath)
		return configPath, cfg, err
	}
	dir, err := DefaultDir()
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, ConfigFile)
	cfg, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && cfg.Demo) {
		// First run, or a demo workspace to bring up to date.
		if _, err := InitDemo(ctx, dir); err != nil {
			return "", nil, err
		}
		cfg, err = config.Load(path)
	}
	return path, cfg, err
}
