package locale

import (
	"os"
	"testing"
)

func TestNormalise(t *testing.T) {
	tests := []struct {
		lcAll, lang     string
		wantAll, wantLa string
	}{
		{lang: "C.UTF-8", wantLa: "C"},
		{lang: "POSIX.utf8", wantLa: "POSIX"},
		{lang: "C", wantLa: "C"},
		{lang: "de_DE.UTF-8", wantLa: "de_DE.UTF-8"},
		{lang: "C@euro", wantLa: "C"},
		// LC_ALL wins: LANG is not read, so it is not touched.
		{lcAll: "C.UTF-8", lang: "C.UTF-8", wantAll: "C", wantLa: "C.UTF-8"},
		{lcAll: "en_GB.UTF-8", lang: "C.UTF-8", wantAll: "en_GB.UTF-8", wantLa: "C.UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.lcAll+"|"+tt.lang, func(t *testing.T) {
			t.Setenv("LC_MESSAGES", "")
			t.Setenv("LC_ALL", tt.lcAll)
			t.Setenv("LANG", tt.lang)
			normalise()
			if got := os.Getenv("LC_ALL"); got != tt.wantAll {
				t.Errorf("LC_ALL = %q; want %q", got, tt.wantAll)
			}
			if got := os.Getenv("LANG"); got != tt.wantLa {
				t.Errorf("LANG = %q; want %q", got, tt.wantLa)
			}
		})
	}
}
