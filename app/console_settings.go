package app

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/storage"
	"github.com/gradewatch/gradewatch/ui"
)

// consoleSettings is the console's settings screen's view of the workspace
// configuration: it reads and saves the config file and applies what can
// change at run time (poll intervals, model file).
type consoleSettings struct {
	ws *Workspace
	mu sync.Mutex // guards ws.Config while it is replaced
}

var _ ui.SettingsService = (*consoleSettings)(nil)

func (s *consoleSettings) cfg() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.Config
}

func (s *consoleSettings) Settings(ctx context.Context) (ui.SettingsValues, error) {
	cfg := s.cfg()
	v := ui.SettingsValues{
		ReviewThreshold: float32(cfg.Review.Threshold),
		ImageFolder:     cfg.Images.Folder,
		ModelPath:       cfg.Model.Path,
		Database:        describeDatabase(cfg.Database),
	}
	for _, src := range cfg.Sources {
		v.Sources = append(v.Sources, ui.SourceSetting{Name: src.Name, Table: src.Table, Details: sourceDetails(src), Interval: src.PollInterval()})
	}
	return v, nil
}

// sourceDetails describes how a source is read, for the settings screen.
func sourceDetails(s config.Source) string {
	layout := s.Layout.Kind
	if s.Layout.DType != "" {
		layout += " " + s.Layout.DType
	}
	size := "size from each scan"
	if s.Width > 0 && s.Height > 0 {
		size = fmt.Sprintf("%d×%d", s.Width, s.Height)
	}
	text := fmt.Sprintf("key %s · %s mode · %s, %s · %s normalisation", s.Key, s.Mode, layout, size, orDefault(s.Layout.Normalisation.Kind, "min-max"))
	if s.Disabled {
		text += " · disabled"
	}
	return text
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// describeDatabase says which database is used without showing secrets.
func describeDatabase(d config.Database) string {
	switch {
	case d.DSNEnv != "":
		return fmt.Sprintf("%s, connection string from $%s", d.Driver, d.DSNEnv)
	case d.Driver == "sqlite":
		return "sqlite, " + d.DSN
	default:
		return d.Driver + " (integrated authentication)"
	}
}

// SaveSettings validates v against a copy of the configuration, saves the
// file and applies intervals and the model at once. The image folder takes
// effect at the next start.
func (s *consoleSettings) SaveSettings(ctx context.Context, v ui.SettingsValues) error {
	old := s.cfg()
	next := old.Clone()
	next.Review.Threshold = float64(v.ReviewThreshold)
	next.Images.Folder = v.ImageFolder
	next.Model.Path = v.ModelPath
	for _, sv := range v.Sources {
		for i := range next.Sources {
			if next.Sources[i].Name == sv.Name {
				next.Sources[i].Interval = sv.Interval.String()
			}
		}
	}
	if err := next.Validate(); err != nil {
		return err
	}
	if next.ModelPath() != old.ModelPath() {
		if err := s.ws.Models.SetPath(ctx, next.ModelPath()); err != nil {
			return fmt.Errorf("model file refused, the running model stays: %w", err)
		}
	}
	if err := next.Save(s.ws.ConfigPath); err != nil {
		return err
	}
	s.mu.Lock()
	s.ws.Config = next
	s.mu.Unlock()
	if s.ws.Monitor != nil {
		for _, src := range next.Sources {
			if src.Disabled {
				continue
			}
			if err := s.ws.Monitor.SetInterval(src.Name, src.PollInterval()); err != nil {
				return fmt.Errorf("saved, but the interval of %s is not applied until restart: %w", src.Name, err)
			}
		}
	}
	return nil
}

// TestConnection opens a second connection with the configuration and
// pings it.
func (s *consoleSettings) TestConnection(ctx context.Context) error {
	cfg := s.cfg()
	driver, dsn, err := cfg.ConnectionString(os.Getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := storage.Open(ctx, driver, dsn, cfg.Tables.StorageTables())
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Ping(ctx)
}

func (s *consoleSettings) CheckModel(ctx context.Context, path string) (string, string, error) {
	m, err := loadValidModel(ctx, s.cfg().Resolve(path))
	if err != nil {
		return "", "", err
	}
	info := m.Info()
	return info.Name, info.SHA256, nil
}

func (s *consoleSettings) RestorePreviousModel(ctx context.Context) error {
	return s.ws.Models.Restore()
}

func (s *consoleSettings) PINRequired() bool { return s.cfg().Supervisor.PINHash != "" }

func (s *consoleSettings) CheckPIN(pin string) bool {
	return config.CheckPIN(s.cfg().Supervisor.PINHash, pin)
}
