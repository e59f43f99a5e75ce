package config

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and a file
// it accepts must survive a write and a re-read unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"database":{"driver":"sqlserver","dsn":"sqlserver://a:b@c"}}`))
	f.Add([]byte(`{"sources":[{"interval":"10"}]}`))
	f.Add([]byte(`{"model":{"path":"m.onnx"},"sources":[{"name":"a","table":"t","key":"k","layout":{"kind":"text"},"columns":{"payload":"p"},"width":2,"height":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config and an error %v", err)
			}
			return
		}
		if err := c.Tables.StorageTables().Validate(); err != nil {
			t.Fatalf("tables accepted here but storage refuses them: %v", err)
		}
		for i, s := range c.Sources {
			if err := s.StorageSource().Validate(); err != nil {
				t.Fatalf("sources[%d] accepted here but storage refuses it: %v", i, err)
			}
			if err := s.ScanLayout().Validate(); err != nil {
				t.Fatalf("sources[%d] accepted here but scan refuses its layout: %v", i, err)
			}
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal an accepted config: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of an accepted config failed: %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, again, cmpopts.IgnoreUnexported(Config{})); diff != "" {
			t.Fatalf("round trip changed the config (-first +second):\n%s", diff)
		}
	})
}
