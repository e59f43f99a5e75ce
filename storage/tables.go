package storage

import (
	"fmt"
	"strings"
)

// TableNames names the tables Gradewatch owns. Each name is "table" or
// "schema.table". Empty fields take the default from DefaultTableNames.
type TableNames struct {
	Results       string `json:"results,omitempty"`        // one row per graded scan
	Overrides     string `json:"overrides,omitempty"`      // append-only override audit
	Checkpoints   string `json:"checkpoints,omitempty"`    // per-source watermark
	Rejects       string `json:"rejects,omitempty"`        // malformed scans with the reason
	Locks         string `json:"locks,omitempty"`          // poller leases (SQLite)
	SchemaVersion string `json:"schema_version,omitempty"` // applied migrations
}

// DefaultTableNames returns the default names, all prefixed "gw_".
func DefaultTableNames() TableNames {
	return TableNames{
		Results:       "gw_results",
		Overrides:     "gw_overrides",
		Checkpoints:   "gw_checkpoints",
		Rejects:       "gw_rejects",
		Locks:         "gw_locks",
		SchemaVersion: "gw_schema_version",
	}
}

// WithDefaults returns t with empty names replaced by the defaults of
// DefaultTableNames.
func (t TableNames) WithDefaults() TableNames {
	d := DefaultTableNames()
	for _, f := range []struct {
		dst *string
		def string
	}{
		{&t.Results, d.Results}, {&t.Overrides, d.Overrides}, {&t.Checkpoints, d.Checkpoints},
		{&t.Rejects, d.Rejects}, {&t.Locks, d.Locks}, {&t.SchemaVersion, d.SchemaVersion},
	} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	return t
}

// Validate checks every name (after defaults) and that no two are equal.
// Errors name the field, as in "tables.results".
func (t TableNames) Validate() error {
	_, err := t.parse()
	return err
}

// maxOwnTableName leaves room in SQL Server's 128 characters for the
// prefixes and suffixes of index and trigger names derived from a table.
const maxOwnTableName = 100

// tableIdents holds the parsed table names.
type tableIdents struct {
	results, overrides, checkpoints, rejects, locks, schemaVersion Ident
}

func (t TableNames) parse() (tableIdents, error) {
	t = t.WithDefaults()
	var ti tableIdents
	seen := map[string]string{}
	for _, f := range []struct {
		field string
		name  string
		dst   *Ident
	}{
		{"results", t.Results, &ti.results},
		{"overrides", t.Overrides, &ti.overrides},
		{"checkpoints", t.Checkpoints, &ti.checkpoints},
		{"rejects", t.Rejects, &ti.rejects},
		{"locks", t.Locks, &ti.locks},
		{"schema_version", t.SchemaVersion, &ti.schemaVersion},
	} {
		id, err := ParseOwnTable(f.name)
		if err != nil {
			return tableIdents{}, fmt.Errorf("tables.%s: %w", f.field, err)
		}
		if other, dup := seen[strings.ToLower(id.String())]; dup {
			return tableIdents{}, fmt.Errorf("tables.%s: %q is also used for tables.%s: give each table its own name", f.field, f.name, other)
		}
		seen[strings.ToLower(id.String())] = f.field
		*f.dst = id
	}
	return ti, nil
}
