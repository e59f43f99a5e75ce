package config_test

import (
	"fmt"

	"github.com/gradewatch/gradewatch/app/config"
)

// A configuration for a SQL Server line: the connection string comes from
// an environment variable, one table is claimed by several consoles, the
// other is read by ROWVERSION.
func ExampleParse() {
	c, err := config.Parse([]byte(`{
  "database": {"driver": "sqlserver", "dsn_env": "GRADEWATCH_DSN"},
  "sources": [
    {"name": "line1", "table": "dbo.Scans", "key": "ScanId", "mode": "rowversion",
     "columns": {"rowversion": "RV", "payload": "Data", "created_at": "CreatedAt"},
     "metadata": ["ProductId", "Lot", "Station"],
     "layout": {"kind": "blob", "dtype": "uint16", "normalisation": {"kind": "fixed", "min": 0, "max": 4095}},
     "width": 64, "height": 64, "interval": "10s"},
    {"name": "line2", "table": "dbo.Inspections", "key": "Id", "mode": "claim",
     "columns": {"status": "GwStatus", "claimed_at": "GwClaimedAt", "payload": "Png"},
     "layout": {"kind": "image"}, "lease": "5m", "interval": "30s"}
  ],
  "model": {"path": "models/grader.onnx"},
  "images": {"folder": "D:/gradewatch/images", "enabled": true},
  "review": {"threshold": 0.85}
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range c.Sources {
		fmt.Printf("%s: %s mode, every %v, batches of %d\n", s.Name, s.Mode, s.PollInterval(), s.BatchSize)
	}
	// Output:
	// line1: rowversion mode, every 10s, batches of 256
	// line2: claim mode, every 30s, batches of 256
}

// A password in the file is refused; every problem names its field.
func ExampleConfig_Validate() {
	_, err := config.Parse([]byte(`{
  "database": {"driver": "sqlserver", "dsn": "sqlserver://sa:secret@db1?database=quality"},
  "sources": [{"name": "line1", "table": "scans", "key": "id", "columns": {"payload": "data"},
               "layout": {"kind": "blob"}, "width": 28, "height": 28, "interval": "10"}],
  "model": {"path": "m.onnx"}
}`))
	fmt.Println(err)
	// Output:
	// config: 2 problems:
	//   database.dsn: holds a password, which may not be stored in the config file; remove it and use an environment variable (database.dsn_env) holding the connection string, or Windows integrated authentication (no user name in database.dsn)
	//   sources[0].interval: "10" has no unit; write "10s"
}
