package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestMainWithoutDisplay(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{args: []string{"version"}, wantCode: 0, wantOut: "gradewatch " + Version},
		{args: []string{"help"}, wantCode: 0, wantOut: "usage: gradewatch"},
		{args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(context.Background(), tt.args, &out, &errOut)
			if code != tt.wantCode {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("Main(%q) stdout = %q; want it to contain %q", tt.args, out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("Main(%q) stderr = %q; want it to contain %q", tt.args, errOut.String(), tt.wantErr)
			}
		})
	}
}
