package config

import (
	"testing"
	"time"
)

// TestConvertAgreesWithPackages checks that a source this package accepts
// is also accepted by storage's and scan's own validation, so that the
// mapping in convert.go stays in step with those packages.
func TestConvertAgreesWithPackages(t *testing.T) {
	c, err := Parse([]byte(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Tables.StorageTables().Validate(); err != nil {
		t.Errorf("StorageTables().Validate() = %v; want nil", err)
	}
	for i, s := range c.Sources {
		if err := s.StorageSource().Validate(); err != nil {
			t.Errorf("sources[%d].StorageSource().Validate() = %v; want nil", i, err)
		}
		if err := s.ScanLayout().Validate(); err != nil {
			t.Errorf("sources[%d].ScanLayout().Validate() = %v; want nil", i, err)
		}
	}
	c.Sources[0].SettleTime = "90s"
	if got := c.Sources[0].StorageSource().SettleTime; got != 90*time.Second {
		t.Errorf("StorageSource().SettleTime = %v; want 90s", got)
	}
	l := c.Sources[0].ScanLayout()
	if l.Normalize.Mode != "fixed" || l.Normalize.Lo != 0 || l.Normalize.Hi != 255 || l.Width != 28 {
		t.Errorf("sources[0].ScanLayout() = %+v; want fixed 0..255, 28 wide", l)
	}
	if got := c.Sources[1].ScanLayout().Order; got != "serpentine" {
		t.Errorf("sources[1].ScanLayout().Order = %q; want serpentine", got)
	}
}
