package ui

import (
	"testing"
)

// FuzzParseThreshold checks that any text typed as a review threshold is
// refused or gives a confidence in (0,1].
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"0.8", "80%", "1", "-1", "NaN", "1e309", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseThreshold(s)
		if err == nil && !(v > 0 && v <= 1) {
			t.Fatalf("parseThreshold(%q) = %v; want a value in (0,1] or an error", s, v)
		}
	})
}
