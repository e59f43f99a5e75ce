package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, dir string, cfg *config.Config)
		wantCode int
		wantOut  string
	}{
		{"demo workspace", func(*testing.T, string, *config.Config) {}, 0, "ok    model:"},
		{"bad model", func(t *testing.T, dir string, cfg *config.Config) {
			if err := os.WriteFile(cfg.ModelPath(), []byte("junk"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 1, "FAIL  model:"},
		{"missing source table", func(t *testing.T, dir string, cfg *config.Config) {
			cfg.Sources[0].Table = "no_such_table"
			if err := cfg.Save(filepath.Join(dir, workspace.ConfigFile)); err != nil {
				t.Fatal(err)
			}
		}, 1, "FAIL  source demo-blob:"},
		{"misspelt metadata column", func(t *testing.T, dir string, cfg *config.Config) {
			cfg.Sources[1].Metadata[0] = "prodcut_id"
			if err := cfg.Save(filepath.Join(dir, workspace.ConfigFile)); err != nil {
				t.Fatal(err)
			}
		}, 1, "prodcut_id"},
		{"bad image folder", func(t *testing.T, dir string, cfg *config.Config) {
			if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg.Images.Folder = "afile/images"
			if err := cfg.Save(filepath.Join(dir, workspace.ConfigFile)); err != nil {
				t.Fatal(err)
			}
		}, 1, "FAIL  images:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, workspace.ConfigFile)
			mustGW(t, "init", "--demo", "--dir", dir)
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t, dir, cfg)
			code, out, errOut := gw(t, "check", "--config", path)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Errorf("check = exit %d, stdout %q, stderr %q; want %d and %q", code, out, errOut, tt.wantCode, tt.wantOut)
			}
		})
	}
}
