package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func TestSetPIN(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	defer func() { stdin = os.Stdin }()
	tests := []struct {
		name     string
		input    string
		args     []string
		wantCode int
		check    func(hash string) bool
	}{
		{"set", "4711\n", nil, 0, func(h string) bool { return config.CheckPIN(h, "4711") && !strings.Contains(h, "4711") }},
		{"CRLF stripped", "80085\r\n", nil, 0, func(h string) bool { return config.CheckPIN(h, "80085") }},
		{"too short keeps the old PIN", "12\n", nil, 1, func(h string) bool { return config.CheckPIN(h, "80085") }},
		{"clear", "", []string{"--clear"}, 0, func(h string) bool { return h == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin = strings.NewReader(tt.input)
			code, _, errOut := gw(t, append([]string{"set-pin", "--config", path}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("set-pin = exit %d (stderr %q); want %d", code, errOut, tt.wantCode)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg.Supervisor.PINHash) {
				t.Errorf("after set-pin the stored hash is %q; not what %s should leave", cfg.Supervisor.PINHash, tt.name)
			}
		})
	}
}
