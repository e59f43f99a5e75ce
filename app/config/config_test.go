package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// validJSON is a complete configuration with one source of each storage
// shape; the tests below break one setting of it at a time.
const validJSON = `{
  "version": 1,
  "database": {"driver": "sqlite", "dsn": "data/gw.db"},
  "sources": [
    {"name": "line1", "table": "scans", "key": "id", "mode": "key",
     "columns": {"payload": "data"}, "metadata": ["lot", "true_label"],
     "layout": {"kind": "blob", "dtype": "uint8", "normalisation": {"kind": "fixed", "min": 0, "max": 255}},
     "width": 28, "height": 28, "interval": "10s", "batch_size": 64},
    {"name": "line2", "table": "dbo.pscans", "key": "scan_id",
     "layout": {"kind": "points"},
     "points": {"table": "points", "scan_key": "scan_id", "value": "v", "index": "idx", "order": "serpentine"},
     "width": 28, "height": 28, "interval": "30s"}
  ],
  "model": {"path": "model/mnist.onnx"},
  "images": {"folder": "images", "enabled": true},
  "review": {"threshold": 0.9}
}`

func TestParseValid(t *testing.T) {
	c, err := Parse([]byte(validJSON))
	if err != nil {
		t.Fatalf("Parse(validJSON) error: %v", err)
	}
	// Defaults filled in for what the file left out.
	if c.Tables != DefaultTables {
		t.Errorf("Tables = %+v; want defaults %+v", c.Tables, DefaultTables)
	}
	s := c.Sources[1]
	if s.Mode != "key" || s.BatchSize != DefaultBatchSize || s.Layout.Normalisation.Kind != "min-max" {
		t.Errorf("sources[1] defaults = mode %q batch %d norm %q; want key %d min-max",
			s.Mode, s.BatchSize, s.Layout.Normalisation.Kind, DefaultBatchSize)
	}
	if got, want := c.Sources[0].PollInterval(), 10*time.Second; got != want {
		t.Errorf("sources[0].PollInterval() = %v; want %v", got, want)
	}
	if got, want := c.Sources[1].PollInterval(), 30*time.Second; got != want {
		t.Errorf("sources[1].PollInterval() = %v; want %v", got, want)
	}
	if len(c.Operator.Reasons) == 0 {
		t.Error("Operator.Reasons is empty; want the default pick-list")
	}
}

// set returns validJSON with old replaced by new, failing the test if old
// is not in it (so a test cannot silently test the valid file).
func set(t *testing.T, old, new string) []byte {
	t.Helper()
	if !strings.Contains(validJSON, old) {
		t.Fatalf("validJSON does not contain %q", old)
	}
	return []byte(strings.Replace(validJSON, old, new, 1))
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		wantPath string // the field the error must name
		wantMsg  string // and a part of its message
	}{
		{"interval without unit", `"interval": "30s"`, `"interval": "10"`, "sources[1].interval", `"10" has no unit; write "10s"`},
		{"interval not a duration", `"interval": "10s"`, `"interval": "ten seconds"`, "sources[0].interval", "is not a duration"},
		{"interval too short", `"interval": "10s"`, `"interval": "1ms"`, "sources[0].interval", "out of range"},
		{"password field", `"dsn": "data/gw.db"`, `"dsn": "x.db", "password": "hunter2"`, "database.password", "dsn_env"},
		{"password in URL DSN", `"driver": "sqlite", "dsn": "data/gw.db"`, `"driver": "sqlserver", "dsn": "sqlserver://sa:hunter2@db1?database=q"`, "database.dsn", "environment variable"},
		{"password in ADO DSN", `"driver": "sqlite", "dsn": "data/gw.db"`, `"driver": "sqlserver", "dsn": "server=db1;user id=sa;Password=x"`, "database.dsn", "integrated authentication"},
		{"password in URL query", `"driver": "sqlite", "dsn": "data/gw.db"`, `"driver": "sqlserver", "dsn": "sqlserver://db1?password=x"`, "database.dsn", "password"},
		{"sqlserver without dsn", `"driver": "sqlite", "dsn": "data/gw.db"`, `"driver": "sqlserver"`, "database", "dsn_env"},
		{"bad driver", `"driver": "sqlite"`, `"driver": "mysql"`, "database.driver", `"sqlserver"`},
		{"bad env name", `"dsn": "data/gw.db"`, `"dsn_env": "GW-DSN"`, "database.dsn_env", "not an environment variable name"},
		{"rowversion on sqlite", `"mode": "key"`, `"mode": "rowversion"`, "sources[0].mode", "needs SQL Server"},
		{"unknown mode", `"mode": "key"`, `"mode": "tail"`, "sources[0].mode", `"claim"`},
		{"claim without status", `"mode": "key"`, `"mode": "claim"`, "sources[0].columns.status", "empty"},
		{"claim without claimed_at", `"mode": "key"`, `"mode": "claim", "columns": {"status": "st"}`, "sources[0].columns.claimed_at", "empty"},
		{"negative settle", `"mode": "key"`, `"mode": "key", "settle_keys": -5`, "sources[0].settle_keys", "negative"},
		{"settle time without unit", `"mode": "key"`, `"mode": "key", "settle_time": "120"`, "sources[0].settle_time", `write "120s"`},
		{"short settle time", `"mode": "key"`, `"mode": "key", "settle_time": "5ms"`, "sources[0].settle_time", "too short"},
		{"short lease", `"mode": "key"`, `"mode": "claim", "lease": "10ms"`, "sources[0].lease", "too short"},
		{"table injection", `"table": "scans"`, `"table": "scans; DROP TABLE x"`, "sources[0].table", "not a valid table name"},
		{"three-part table", `"table": "scans"`, `"table": "a.b.c"`, "sources[0].table", "not a valid table name"},
		{"dotted column", `"key": "id"`, `"key": "t.id"`, "sources[0].key", "not a valid column name"},
		{"metadata twice", `["lot", "true_label"]`, `["lot", "LOT"]`, "sources[0].metadata[1]", "listed twice"},
		{"metadata is key", `["lot", "true_label"]`, `["id"]`, "sources[0].metadata[0]", "key column"},
		{"duplicate source name", `"name": "line2"`, `"name": "line1"`, "sources[1].name", "already the name of sources[0]"},
		{"empty pass grade", `"threshold": 0.9`, `"threshold": 0.9, "pass_grades": ["ok", " "]`, "review.pass_grades[1]", "is empty"},
		{"pass grade twice", `"threshold": 0.9`, `"threshold": 0.9, "pass_grades": ["ok", "7", "ok"]`, "review.pass_grades[2]", "listed twice"},
		{"empty source name", `"name": "line2"`, `"name": " "`, "sources[1].name", "empty"},
		{"bad layout", `"kind": "blob"`, `"kind": "jpeg"`, "sources[0].layout.kind", `"image"`},
		{"bad dtype", `"dtype": "uint8"`, `"dtype": "int7"`, "sources[0].layout.dtype", `"uint16"`},
		{"blob without payload", `"columns": {"payload": "data"}, `, ``, "sources[0].columns.payload", "empty"},
		{"fixed without max", `"min": 0, "max": 255`, `"min": 0`, "sources[0].layout.normalisation", "both min and max"},
		{"fixed reversed", `"min": 0, "max": 255`, `"min": 255, "max": 0`, "sources[0].layout.normalisation", "min below max"},
		{"bad normalisation", `"kind": "fixed"`, `"kind": "log"`, "sources[0].layout.normalisation.kind", `"min-max"`},
		{"points layout without points", `"points": {"table": "points", "scan_key": "scan_id", "value": "v", "index": "idx", "order": "serpentine"},`, ``, "sources[1].points", "missing"},
		{"points bad order", `"order": "serpentine"`, `"order": "zigzag"`, "sources[1].points.order", `"column-major"`},
		{"points x without y", `"index": "idx", "order": "serpentine"`, `"x": "px"`, "sources[1].points.y", "empty"},
		{"points no position", `, "index": "idx", "order": "serpentine"`, ``, "sources[1].points", "no position columns"},
		{"zero width", `"width": 28, "height": 28, "interval": "10s"`, `"width": 0, "height": 28, "interval": "10s"`, "sources[0].width", "not a scan size"},
		{"huge scan", `"width": 28, "height": 28, "interval": "10s"`, `"width": 100000, "height": 100000, "interval": "10s"`, "sources[0].width", "not a scan size"},
		{"batch too big", `"batch_size": 64`, `"batch_size": 1000000`, "sources[0].batch_size", "out of range"},
		{"negative batch", `"batch_size": 64`, `"batch_size": -1`, "sources[0].batch_size", "out of range"},
		{"threshold above 1", `"threshold": 0.9`, `"threshold": 90`, "review.threshold", "from 0 to 1"},
		{"no model", `"path": "model/mnist.onnx"`, `"path": ""`, "model.path", ".onnx"},
		{"same table twice", `"review"`, `"tables": {"results": "gw_x", "overrides": "GW_X"}, "review"`, "tables.overrides", "also tables.results"},
		{"bad pin hash", `"review"`, `"supervisor": {"pin_hash": "1234"}, "review"`, "supervisor.pin_hash", "set the PIN again"},
		{"future version", `"version": 1`, `"version": 7`, "version", "upgrade Gradewatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := set(t, tt.old, tt.new)
			_, err := Parse(data)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse() error = %v; want a *ValidationError naming %s", err, tt.wantPath)
			}
			if !ve.Has(tt.wantPath) {
				t.Fatalf("Parse() error = %v; want a problem at %s", err, tt.wantPath)
			}
			if !strings.Contains(err.Error(), tt.wantPath+": ") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Parse() error = %q; want %q with %q", err, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", ``, "file is empty"},
		{"syntax", "{\n  \"version\": 1,\n  \"sources\": [,]\n}", "line 3, column"},
		{"unknown field", `{"sources": [{"intervl": "10s"}]}`, `unknown field "intervl" is not a setting`},
		{"wrong type", `{"review": {"threshold": "high"}}`, "review.threshold: a JSON string cannot be a float64"},
		{"truncated", `{"version": 1`, "ends early"},
		{"two objects", `{} {}`, "exactly one object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v; want it to contain %q", tt.data, err, tt.want)
			}
		})
	}
}

func TestMultipleProblemsAllReported(t *testing.T) {
	data := strings.NewReplacer(`"interval": "30s"`, `"interval": "30"`, `"threshold": 0.9`, `"threshold": -1`).Replace(validJSON)
	_, err := Parse([]byte(data))
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.Has("sources[1].interval") || !ve.Has("review.threshold") {
		t.Fatalf("Parse() error = %v; want problems at sources[1].interval and review.threshold", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	c, err := Parse([]byte(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := c.Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(c, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
		t.Errorf("Load(Save(c)) differs (-saved +loaded):\n%s", diff)
	}
	if got.Dir() != dir {
		t.Errorf("Dir() = %q; want %q", got.Dir(), dir)
	}
	if got, want := got.ModelPath(), filepath.Join(dir, "model", "mnist.onnx"); got != want {
		t.Errorf("ModelPath() = %q; want %q", got, want)
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after Save; want only config.json", len(entries))
	}
	// Save refuses an invalid configuration and leaves the file alone.
	got.Review.Threshold = 2
	if err := got.Save(path); err == nil {
		t.Error("Save of an invalid config succeeded; want an error")
	}
	if again, err := Load(path); err != nil || again.Review.Threshold != 0.9 {
		t.Errorf("after a refused Save, Load = %v, %v; want the old file with threshold 0.9", again, err)
	}
}

func TestConnectionString(t *testing.T) {
	env := map[string]string{"GW_DSN": "sqlserver://db1?database=q"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name       string
		db         Database
		dir        string
		wantDriver string
		wantDSN    string
		wantErr    string
	}{
		{"sqlite relative", Database{Driver: "sqlite", DSN: "gw.db"}, "/ws", "sqlite", "/ws/gw.db", ""},
		{"sqlite file URI", Database{Driver: "sqlite", DSN: "file:gw.db?_pragma=busy_timeout(5000)"}, "/ws", "sqlite", "file:/ws/gw.db?_pragma=busy_timeout(5000)", ""},
		{"sqlite absolute", Database{Driver: "sqlite", DSN: "/data/gw.db"}, "/ws", "sqlite", "/data/gw.db", ""},
		{"sqlite memory", Database{Driver: "sqlite", DSN: ":memory:"}, "/ws", "sqlite", ":memory:", ""},
		{"env var", Database{Driver: "sqlserver", DSNEnv: "GW_DSN"}, "/ws", "sqlserver", "sqlserver://db1?database=q", ""},
		{"env var unset", Database{Driver: "sqlserver", DSNEnv: "GW_OTHER"}, "/ws", "", "", "GW_OTHER is empty or not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{Database: tt.db, dir: tt.dir}
			driver, dsn, err := c.ConnectionString(getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ConnectionString() error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || driver != tt.wantDriver || dsn != tt.wantDSN {
				t.Errorf("ConnectionString() = %q, %q, %v; want %q, %q", driver, dsn, err, tt.wantDriver, tt.wantDSN)
			}
		})
	}
}

func TestPIN(t *testing.T) {
	h, err := HashPIN("4711")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPIN("4711")
	if h == h2 {
		t.Error("two hashes of the same PIN are equal; want different salts")
	}
	tests := []struct {
		hash, pin string
		want      bool
	}{
		{h, "4711", true},
		{h2, "4711", true},
		{h, "4712", false},
		{h, "", false},
		{"4711", "4711", false},
		{"pbkdf2-sha256$1$AAAA$AAAA", "4711", false},
	}
	for _, tt := range tests {
		if got := CheckPIN(tt.hash, tt.pin); got != tt.want {
			t.Errorf("CheckPIN(%q, %q) = %v; want %v", tt.hash, tt.pin, got, tt.want)
		}
	}
	if _, err := HashPIN("12"); err == nil {
		t.Error("HashPIN(\"12\") succeeded; want an error for a too-short PIN")
	}
	c, _ := Parse([]byte(validJSON))
	c.Supervisor.PINHash = h
	if err := c.Validate(); err != nil {
		t.Errorf("Validate with a HashPIN hash: %v", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	c, _ := Parse([]byte(validJSON))
	d := c.Clone()
	d.Sources[0].Metadata[0] = "changed"
	*d.Sources[0].Layout.Normalisation.Max = 1
	d.Sources[1].Points.Table = "changed"
	d.Operator.Reasons[0] = "changed"
	if c.Sources[0].Metadata[0] != "lot" || *c.Sources[0].Layout.Normalisation.Max != 255 ||
		c.Sources[1].Points.Table != "points" || c.Operator.Reasons[0] == "changed" {
		t.Error("changing a Clone changed the original")
	}
}

func TestPassGrades(t *testing.T) {
	tests := []struct {
		name, review string
		want         []string
	}{
		{"absent", `"threshold": 0.9`, nil},
		{"empty list", `"threshold": 0.9, "pass_grades": []`, []string{}},
		{"labels", `"threshold": 0.9, "pass_grades": ["0", "1", "ok"]`, []string{"0", "1", "ok"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(strings.Replace(validJSON, `"threshold": 0.9`, tc.review, 1)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, c.Review.PassGrades, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Review.PassGrades (-want +got):\n%s", diff)
			}
			d := c.Clone()
			if len(d.Review.PassGrades) > 0 {
				d.Review.PassGrades[0] = "changed"
				if c.Review.PassGrades[0] == "changed" {
					t.Error("changing a Clone's pass grades changed the original")
				}
			}
			path := filepath.Join(t.TempDir(), "config.json")
			if err := c.Save(path); err != nil {
				t.Fatalf("Save: %v", err)
			}
			again, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tc.want, again.Review.PassGrades, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("PassGrades after Save and Load (-want +got):\n%s", diff)
			}
		})
	}
}
