package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantPos  []string
		wantN    int
		wantCode int
		wantOK   bool
		wantErr  string // part of what is written to stderr
	}{
		{"flags only", []string{"--n", "3"}, nil, 3, 0, true, ""},
		{"flags after positional", []string{"a.png", "--n", "4", "b.png"}, []string{"a.png", "b.png"}, 4, 0, true, ""},
		{"help", []string{"-h"}, nil, 0, 0, false, "usage: gradewatch grade FILE..."},
		{"unknown flag", []string{"--bogus"}, nil, 0, 2, false, "flag provided but not defined: -bogus"},
		{"bad value", []string{"--n", "x"}, nil, 0, 2, false, `invalid value "x" for flag -n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			fs := NewFlags("grade", "FILE...", &stderr)
			n := fs.Int("n", 0, "a number")
			pos, code, ok := Parse(fs, tt.args)
			if ok != tt.wantOK || code != tt.wantCode || !slices.Equal(pos, tt.wantPos) {
				t.Errorf("Parse(%q) = %q, %d, %v; want %q, %d, %v", tt.args, pos, code, ok, tt.wantPos, tt.wantCode, tt.wantOK)
			}
			if ok && *n != tt.wantN {
				t.Errorf("Parse(%q): n = %d; want %d", tt.args, *n, tt.wantN)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("Parse(%q) wrote %q; want it to contain %q", tt.args, stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestParseFlagsOnly(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOK   bool
		wantErr  string
	}{
		{"no arguments", nil, 0, true, ""},
		{"a flag", []string{"--config", "c.json"}, 0, true, ""},
		{"a positional argument", []string{"--config", "c.json", "extra"}, 2, false, `gradewatch check: unexpected argument "extra"`},
		{"help", []string{"--help"}, 0, false, "usage: gradewatch check --config FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			fs := NewFlags("check", "--config FILE", &stderr)
			fs.String("config", "", "configuration file")
			code, ok := ParseFlagsOnly(fs, tt.args)
			if code != tt.wantCode || ok != tt.wantOK {
				t.Errorf("ParseFlagsOnly(%q) = %d, %v; want %d, %v", tt.args, code, ok, tt.wantCode, tt.wantOK)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("ParseFlagsOnly(%q) wrote %q; want it to contain %q", tt.args, stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestParseN(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantPos  []string
		wantCode int
		wantOK   bool
	}{
		{"one file", []string{"m.onnx"}, []string{"m.onnx"}, 0, true},
		{"one file after a flag", []string{"--json", "m.onnx"}, []string{"m.onnx"}, 0, true},
		{"none", nil, nil, 2, false},
		{"two", []string{"a", "b"}, nil, 2, false},
		{"help", []string{"-h"}, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			fs := NewFlags("model info", "FILE", &stderr)
			fs.Bool("json", false, "print JSON")
			pos, code, ok := ParseN(fs, tt.args, 1)
			if ok != tt.wantOK || code != tt.wantCode || !slices.Equal(pos, tt.wantPos) {
				t.Errorf("ParseN(%q, 1) = %q, %d, %v; want %q, %d, %v", tt.args, pos, code, ok, tt.wantPos, tt.wantCode, tt.wantOK)
			}
			if !ok && !strings.Contains(stderr.String(), "usage: gradewatch model info FILE") {
				t.Errorf("ParseN(%q, 1) wrote %q; want the usage", tt.args, stderr.String())
			}
		})
	}
}
