package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/storage"
)

// errNotDemo means a folder already holds a configuration that is not a
// demo workspace, which init --demo must not overwrite.
var errNotDemo = errors.New("not a demo workspace")

// InitDemo creates the demo workspace in dir, or completes one created
// before: config.json, the embedded database gradewatch.db with the two
// demo source tables, the bundled model and the image folder. It is
// idempotent; an existing demo configuration is kept as it is (with any
// changes made to it), and a configuration that is not a demo workspace is
// refused. The bundled model's sidecar is brought up to
// date while the workspace still uses the bundled model. It returns the
// configuration file's path.
func InitDemo(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	path := filepath.Join(dir, ConfigFile)
	cfg, err := config.Load(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	switch {
	case fresh:
		cfg = demo.Config()
		cfg.SetDir(dir)
	case err != nil:
		return "", fmt.Errorf("init demo workspace: %s exists but is not a readable configuration (%w); choose another --dir or move the file away", path, err)
	case !cfg.Demo:
		return "", fmt.Errorf("init demo workspace: %s is %w; choose another --dir, init never overwrites a real configuration", path, errNotDemo)
	}
	if _, err := os.Stat(cfg.ModelPath()); errors.Is(err, fs.ErrNotExist) {
		if _, err := demo.WriteModel(dir); err != nil {
			return "", fmt.Errorf("init demo workspace: %w", err)
		}
	} else if _, err := demo.RefreshModel(dir); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	if err := os.MkdirAll(cfg.ImageFolder(), 0o755); err != nil {
		return "", fmt.Errorf("init demo workspace: image folder: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	defer st.Close()
	if err := demo.CreateTables(ctx, st, demo.DefaultTables()); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	if fresh {
		if err := cfg.Save(path); err != nil {
			return "", fmt.Errorf("init demo workspace: %w", err)
		}
	}
	return path, nil
}

// OpenStore opens and migrates the database of cfg.
func OpenStore(ctx context.Context, cfg *config.Config) (*storage.Store, error) {
	driver, dsn, err := cfg.ConnectionString(os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := storage.Open(ctx, driver, dsn, cfg.Tables.StorageTables())
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
