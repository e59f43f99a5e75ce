package app

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// Each limit lives in the package that enforces it: a configuration just
// over it is refused by config validation with that package's words under
// the setting's path, and one just at it opens the workspace (the
// enforcing package accepts it too).
func TestConfigLimitsAreTheEnforcingPackages(t *testing.T) {
	long := func(n int) string { return "c" + strings.Repeat("x", n-1) }
	errText := func(err error) string {
		if err == nil {
			t.Fatal("the enforcing package accepts the over-limit value; the test is wrong")
		}
		return err.Error()
	}
	identErr := func(_ storage.Ident, err error) string { return errText(err) }
	tests := []struct {
		name       string
		under      func(c *config.Config)
		over       func(c *config.Config)
		path       string
		words      string // the enforcing package's message for the over value
		skipOpenOK bool
	}{
		{
			name:  "batch size",
			under: func(c *config.Config) { c.Sources[0].BatchSize = monitor.MaxBatchSize },
			over:  func(c *config.Config) { c.Sources[0].BatchSize = monitor.MaxBatchSize + 1 },
			path:  "sources[0].batch_size",
			words: errText(monitor.CheckBatchSize(monitor.MaxBatchSize + 1)),
		},
		{
			name: "scan size",
			under: func(c *config.Config) {
				c.Sources[0].Width, c.Sources[0].Height = scan.MaxImageSide, scan.MaxCells/scan.MaxImageSide
			},
			over: func(c *config.Config) {
				c.Sources[0].Width, c.Sources[0].Height = scan.MaxImageSide, scan.MaxCells/scan.MaxImageSide+1
			},
			path:  "sources[0].width",
			words: errText(scan.CheckSize(scan.FormatBlob, scan.MaxImageSide, scan.MaxCells/scan.MaxImageSide+1)),
		},
		{
			name:  "poll interval",
			under: func(c *config.Config) { c.Sources[0].Interval = monitor.MaxInterval.String() },
			over:  func(c *config.Config) { c.Sources[0].Interval = (monitor.MaxInterval + time.Millisecond).String() },
			path:  "sources[0].interval",
			words: errText(monitor.CheckInterval(monitor.MaxInterval + time.Millisecond)),
		},
		{
			name:  "column name length",
			under: func(c *config.Config) { c.Sources[0].Metadata = []string{long(128)} },
			over:  func(c *config.Config) { c.Sources[0].Metadata = []string{long(129)} },
			path:  "sources[0].metadata[0]",
			words: identErr(storage.ParseColumn(long(129))),
		},
		{
			name:  "table name length",
			under: func(c *config.Config) { c.Tables.Rejects = long(100) },
			over:  func(c *config.Config) { c.Tables.Rejects = long(101) },
			path:  "tables.rejects",
			words: identErr(storage.ParseOwnTable(long(101))),
		},
		{
			name:  "source name length",
			under: func(c *config.Config) { c.Sources[0].Name = long(storage.MaxSourceName) },
			over:  func(c *config.Config) { c.Sources[0].Name = long(storage.MaxSourceName + 1) },
			path:  "sources[0].name",
			words: errText(storage.CheckSourceName(long(storage.MaxSourceName + 1))),
		},
		{
			name:       "claim lease",
			under:      func(c *config.Config) { c.Sources[0].Lease = storage.MinLeaseTimeout.String() },
			over:       func(c *config.Config) { c.Sources[0].Lease = (storage.MinLeaseTimeout - time.Millisecond).String() },
			path:       "sources[0].lease",
			words:      errText(storage.CheckLeaseTimeout(storage.MinLeaseTimeout - time.Millisecond)),
			skipOpenOK: true, // the demo source is in key mode; a lease needs claim columns
		},
	}
	dir := t.TempDir()
	mustGW(t, "init", "--demo", "--dir", dir)
	demo, err := config.Load(filepath.Join(dir, workspace.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			over := demo.Clone()
			tc.over(over)
			err := over.Validate()
			var ve *config.ValidationError
			if !errors.As(err, &ve) || !ve.Has(tc.path) {
				t.Fatalf("Validate() over the limit = %v; want a problem at %s", err, tc.path)
			}
			if !strings.Contains(err.Error(), tc.path+": ") || !strings.Contains(err.Error(), tc.words) {
				t.Errorf("Validate() = %q; want %s with the enforcing package's words %q", err, tc.path, tc.words)
			}

			under := demo.Clone()
			tc.under(under)
			if err := under.Validate(); err != nil {
				t.Fatalf("Validate() at the limit = %v; want nil", err)
			}
			if tc.skipOpenOK {
				return
			}
			path := filepath.Join(t.TempDir(), workspace.ConfigFile)
			under.SetDir(dir)
			under.Model.Path = under.ModelPath()
			under.Database.DSN = filepath.Join(dir, under.Database.DSN)
			if err := under.Save(path); err != nil {
				t.Fatal(err)
			}
			ws, err := workspace.Open(t.Context(), path)
			if err != nil {
				t.Fatalf("OpenWorkspace at the limit: %v", err)
			}
			if ws.Monitor == nil {
				t.Error("OpenWorkspace at the limit built no monitor")
			}
			if err := ws.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}
