package console

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/storage"
	"github.com/gradewatch/gradewatch/ui"
)

// consoleSettings is the console's settings screen's view of the workspace
// configuration: it reads and saves the config file and applies what can
// change at run time (poll intervals, model file).
type consoleSettings struct {
	ws *workspace.Workspace
	mu sync.Mutex // guards ws.Config while it is replaced
	// polled names the sources the monitor was started with; only their
	// intervals can change while running (nil: all of the configuration's).
	polled map[string]bool
}

// newConsoleSettings serves the settings of ws, whose monitor polls the
// enabled sources of ws.Config.
func newConsoleSettings(ws *workspace.Workspace) *consoleSettings {
	polled := map[string]bool{}
	for _, src := range ws.Config.Sources {
		polled[src.Name] = !src.Disabled
	}
	return &consoleSettings{ws: ws, polled: polled}
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
		v.Sources = append(v.Sources, sourceSetting(src))
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
		if _, err := editSource(next, sv); err != nil {
			return err
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
			if src.Disabled || (s.polled != nil && !s.polled[src.Name]) {
				continue // added or enabled here: polled from the next start
			}
			if err := s.ws.Monitor.SetInterval(src.Name, src.PollInterval()); err != nil {
				return fmt.Errorf("%w: the interval of %s applies at the next start: %v", ui.ErrSavedNotApplied, src.Name, err)
			}
		}
	}
	return nil
}

// sourceSetting is a configured source as the settings screen edits it.
func sourceSetting(src config.Source) ui.SourceSetting {
	n := src.Layout.Normalisation
	return ui.SourceSetting{
		Name: src.Name, Details: sourceDetails(src), Table: src.Table, Key: src.Key, Mode: src.Mode,
		Layout: src.Layout.Kind, DType: src.Layout.DType, Width: src.Width, Height: src.Height,
		Interval: src.PollInterval(), BatchSize: src.BatchSize,
		Norm: n.Kind, NormMin: cloneBound(n.Min), NormMax: cloneBound(n.Max), Disabled: src.Disabled,
	}
}

// editSource applies sv to the source of cfg with its name; a new source
// (sv.CopyOf set, no source of that name yet) is added as a copy of the
// source CopyOf names, keeping its columns, metadata and points table.
func editSource(cfg *config.Config, sv ui.SourceSetting) (*config.Source, error) {
	var tmpl *config.Source
	for i := range cfg.Sources {
		switch cfg.Sources[i].Name {
		case sv.Name:
			applySource(&cfg.Sources[i], sv)
			return &cfg.Sources[i], nil
		case sv.CopyOf:
			tmpl = &cfg.Sources[i]
		}
	}
	if sv.CopyOf == "" || tmpl == nil {
		return nil, fmt.Errorf("source %q is not in the configuration; reload the settings", sv.Name)
	}
	src := *tmpl
	src.Name = sv.Name
	src.Metadata = append([]string(nil), tmpl.Metadata...)
	if tmpl.Points != nil {
		p := *tmpl.Points
		src.Points = &p
	}
	applySource(&src, sv)
	cfg.Sources = append(cfg.Sources, src)
	return &cfg.Sources[len(cfg.Sources)-1], nil
}

// applySource writes the edited fields of sv into dst.
func applySource(dst *config.Source, sv ui.SourceSetting) {
	dst.Table, dst.Key, dst.Mode = sv.Table, sv.Key, sv.Mode
	dst.Layout.Kind, dst.Layout.DType = sv.Layout, sv.DType
	dst.Width, dst.Height, dst.BatchSize = sv.Width, sv.Height, sv.BatchSize
	dst.Interval = sv.Interval.String()
	dst.Layout.Normalisation.Kind = sv.Norm
	dst.Layout.Normalisation.Min = cloneBound(sv.NormMin)
	dst.Layout.Normalisation.Max = cloneBound(sv.NormMax)
	dst.Disabled = sv.Disabled
}

func cloneBound(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := *f
	return &v
}

// CheckSource validates the configuration with the edited source and
// checks the source's table and columns against the open database.
func (s *consoleSettings) CheckSource(ctx context.Context, sv ui.SourceSetting) (string, error) {
	next := s.cfg().Clone()
	src, err := editSource(next, sv)
	if err != nil {
		return "", err
	}
	if err := next.Validate(); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ss := src.StorageSource()
	if err := s.ws.Store.CheckSource(ctx, ss); err != nil {
		return "", err
	}
	p, err := s.ws.Store.Pending(ctx, ss)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("OK: table %s readable, %d scans pending.", src.Table, p.Count), nil
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
	m, err := workspace.LoadValidModel(ctx, s.cfg().Resolve(path))
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
