package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Parse decodes a configuration file's bytes, fills in defaults and
// validates the result. Unknown fields are refused so that a misspelt
// setting does not silently fall back to its default.
func Parse(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, describeJSONError(data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("config: unexpected data after the JSON object; the file must hold exactly one object")
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// describeJSONError turns a decoding error into one that says where in the
// file the problem is.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("config: line %d, column %d: %v; fix the JSON syntax there", line, col, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("config: %s: a JSON %s cannot be a %s; write a %s", field, typ.Value, typ.Type, typ.Type)
	case errors.Is(err, io.EOF):
		return errors.New("config: the file is empty; write a JSON object or run gradewatch init")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("config: the JSON ends early; close every { and [")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("config: %s is not a setting; check its spelling", strings.TrimPrefix(err.Error(), "json: "))
	}
	return fmt.Errorf("config: %w", err)
}

// position returns the 1-based line and column of a byte offset.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:offset] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Load reads, validates and returns the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	c.dir = filepath.Dir(abs)
	return c, nil
}

// Save validates c and writes it to path atomically: to a temporary file in
// the same folder, flushed to disk, then renamed over path, so a crash never
// leaves a half-written configuration.
func (c *Config) Save(path string) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	data = append(data, '\n')
	if err := writeFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		c.dir = filepath.Dir(abs)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	committed = true
	return nil
}

// Dir returns the folder relative paths resolve against.
func (c *Config) Dir() string { return c.dir }

// SetDir sets the folder relative paths resolve against, for a
// configuration built in memory.
func (c *Config) SetDir(dir string) { c.dir = dir }

// Resolve returns p made absolute against the configuration's folder; an
// empty or already absolute p is returned unchanged.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// ModelPath returns the model file's resolved path.
func (c *Config) ModelPath() string { return c.Resolve(c.Model.Path) }

// ImageFolder returns the image folder's resolved path.
func (c *Config) ImageFolder() string { return c.Resolve(c.Images.Folder) }

// WatchModel reports whether the model file is watched for changes (the
// default).
func (c *Config) WatchModel() bool { return c.Model.Watch == nil || *c.Model.Watch }

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	out := *c
	out.Sources = make([]Source, len(c.Sources))
	for i, s := range c.Sources {
		s.Metadata = append([]string(nil), s.Metadata...)
		s.Layout.Normalisation.Min = cloneFloat(s.Layout.Normalisation.Min)
		s.Layout.Normalisation.Max = cloneFloat(s.Layout.Normalisation.Max)
		if s.Points != nil {
			p := *s.Points
			s.Points = &p
		}
		out.Sources[i] = s
	}
	if c.Sources == nil {
		out.Sources = nil
	}
	if c.Model.Watch != nil {
		w := *c.Model.Watch
		out.Model.Watch = &w
	}
	out.Operator.Reasons = append([]string(nil), c.Operator.Reasons...)
	out.Review.PassGrades = append([]string(nil), c.Review.PassGrades...)
	return &out
}

func cloneFloat(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := *f
	return &v
}

// SourceByName returns the source with the given name.
func (c *Config) SourceByName(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// PollInterval returns the parsed poll interval of a validated source.
func (s Source) PollInterval() time.Duration { return mustDuration(s.Interval) }

// SettleDuration returns the parsed settle time of a validated source, 0
// when not set.
func (s Source) SettleDuration() time.Duration { return mustDuration(s.SettleTime) }

// LeaseDuration returns the parsed claim lease of a validated source.
func (s Source) LeaseDuration() time.Duration { return mustDuration(s.Lease) }

// mustDuration parses a duration that validation already accepted; an
// empty or unparsable string gives 0.
func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0
	}
	return d
}
