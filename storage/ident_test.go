package storage

import (
	"strings"
	"testing"
)

func TestParseIdent(t *testing.T) {
	tests := []struct {
		in         string
		wantErr    string // substring of the error; "" for success
		wantSQLSrv string
		wantSQLite string
	}{
		{in: "scans", wantSQLSrv: "[scans]", wantSQLite: `"scans"`},
		{in: "dbo.scans", wantSQLSrv: "[dbo].[scans]", wantSQLite: `"dbo"."scans"`},
		{in: "_x9", wantSQLSrv: "[_x9]", wantSQLite: `"_x9"`},
		{in: "Line_2_Scans", wantSQLSrv: "[Line_2_Scans]", wantSQLite: `"Line_2_Scans"`},
		{in: "", wantErr: "empty"},
		{in: "a.b.c", wantErr: "3 parts"},
		{in: ".scans", wantErr: "stray dot"},
		{in: "dbo.", wantErr: "stray dot"},
		{in: "1scans", wantErr: "starts with a digit"},
		{in: "scan s", wantErr: `' '`},
		{in: "scans;DROP TABLE x", wantErr: "';'"},
		{in: "scans]; DROP TABLE x; --", wantErr: "']'"},
		{in: `scans"; DROP TABLE x; --`, wantErr: `'"'`},
		{in: "scans' OR '1'='1", wantErr: `'\''`},
		{in: "[scans]", wantErr: "'['"},
		{in: "scans--", wantErr: "'-'"},
		{in: "sc/*x*/ans", wantErr: "'/'"},
		{in: "scäns", wantErr: "use only letters"},
		{in: "scans\x00", wantErr: "use only letters"},
		{in: "scans\n", wantErr: "use only letters"},
		{in: strings.Repeat("a", 129), wantErr: "at most 128"},
	}
	for _, tc := range tests {
		id, err := ParseIdent(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseIdent(%q) = %v, %v; want an error containing %q", tc.in, id, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseIdent(%q) = %v; want no error", tc.in, err)
			continue
		}
		if got := id.quoteBracket(); got != tc.wantSQLSrv {
			t.Errorf("ParseIdent(%q).quoteBracket() = %s; want %s", tc.in, got, tc.wantSQLSrv)
		}
		if got := id.quoteDouble(); got != tc.wantSQLite {
			t.Errorf("ParseIdent(%q).quoteDouble() = %s; want %s", tc.in, got, tc.wantSQLite)
		}
		if id.String() != tc.in {
			t.Errorf("ParseIdent(%q).String() = %q; want the input back", tc.in, id.String())
		}
	}
}

func TestParseColumn(t *testing.T) {
	if _, err := ParseColumn("dbo.x"); err == nil {
		t.Error(`ParseColumn("dbo.x") = nil; want an error (columns have one part)`)
	}
	if id, err := ParseColumn("x"); err != nil || id.Name != "x" {
		t.Errorf(`ParseColumn("x") = %v, %v; want x`, id, err)
	}
}

// FuzzParseIdent checks that whatever ParseIdent accepts quotes to a
// name that cannot break out of its quotes, and that it never panics.
func FuzzParseIdent(f *testing.F) {
	for _, s := range []string{"scans", "dbo.scans", "a]b", `a"b`, "a.b.c", "", ".", "x;--", "1a", "_", "ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdent(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseIdent(%q) returned an empty error", s)
			}
			return
		}
		if id.String() != s {
			t.Fatalf("ParseIdent(%q).String() = %q; want the input back", s, id.String())
		}
		for _, part := range []string{id.Schema, id.Name} {
			for _, r := range part {
				if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
					t.Fatalf("ParseIdent(%q) accepted %q in a name", s, r)
				}
			}
		}
		b, d := id.quoteBracket(), id.quoteDouble()
		if strings.Count(b, "[") != strings.Count(b, "]") || strings.Count(b, "[") > 2 {
			t.Fatalf("quoteBracket(%q) = %s: unbalanced brackets", s, b)
		}
		if n := strings.Count(d, `"`); n != 2 && n != 4 {
			t.Fatalf("quoteDouble(%q) = %s: want 2 or 4 quotes", s, d)
		}
	})
}

func TestTableNamesValidate(t *testing.T) {
	tests := []struct {
		name    string
		tn      TableNames
		wantErr string
	}{
		{"defaults", TableNames{}, ""},
		{"schema qualified", TableNames{Results: "gw.results"}, ""},
		{"bad results name", TableNames{Results: "results;drop"}, "tables.results"},
		{"same name twice", TableNames{Results: "t", Rejects: "T"}, "tables.rejects"},
		{"bad locks", TableNames{Locks: "a.b.c"}, "tables.locks"},
		{"too long for derived names", TableNames{Overrides: strings.Repeat("o", 101)}, "tables.overrides"},
	}
	for _, tc := range tests {
		err := tc.tn.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: Validate() = %v; want nil", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: Validate() = %v; want an error naming %s", tc.name, err, tc.wantErr)
		}
	}
}

func TestSourceValidate(t *testing.T) {
	base := Source{Name: "line1", Table: "dbo.scans", KeyColumn: "id", Mode: ModeKey, PayloadColumn: "payload", MetadataColumns: []string{"lot"}}
	mod := func(f func(*Source)) Source {
		s := base
		s.MetadataColumns = append([]string(nil), base.MetadataColumns...)
		f(&s)
		return s
	}
	tests := []struct {
		name    string
		src     Source
		wantErr string
	}{
		{"key mode", base, ""},
		{"rowversion", mod(func(s *Source) { s.Mode = ModeRowversion; s.RowversionColumn = "rv" }), ""},
		{"claim", mod(func(s *Source) { s.Mode = ModeClaim; s.StatusColumn = "st"; s.ClaimedAtColumn = "at" }), ""},
		{"points by xy", mod(func(s *Source) {
			s.PayloadColumn = ""
			s.Points = &PointsTable{Table: "pts", KeyColumn: "scan_id", XColumn: "x", YColumn: "y", ValueColumn: "v"}
		}), ""},
		{"points by index", mod(func(s *Source) {
			s.PayloadColumn = ""
			s.Points = &PointsTable{Table: "pts", KeyColumn: "scan_id", IndexColumn: "i", ValueColumn: "v"}
		}), ""},
		{"no name", mod(func(s *Source) { s.Name = "" }), "source name"},
		{"bad table", mod(func(s *Source) { s.Table = "scans; DROP TABLE results" }), "table"},
		{"no key", mod(func(s *Source) { s.KeyColumn = "" }), "key_column: missing"},
		{"key with schema", mod(func(s *Source) { s.KeyColumn = "a.b" }), "key_column"},
		{"unknown mode", mod(func(s *Source) { s.Mode = "poll" }), "mode"},
		{"rowversion without column", mod(func(s *Source) { s.Mode = ModeRowversion }), "rowversion_column"},
		{"claim without status", mod(func(s *Source) { s.Mode = ModeClaim; s.ClaimedAtColumn = "at" }), "status_column"},
		{"claim without claimed_at", mod(func(s *Source) { s.Mode = ModeClaim; s.StatusColumn = "st" }), "claimed_at_column"},
		{"claim short lease", mod(func(s *Source) {
			s.Mode = ModeClaim
			s.StatusColumn, s.ClaimedAtColumn, s.LeaseTimeout = "st", "at", 10
		}), "lease_timeout"},
		{"negative settle", mod(func(s *Source) { s.SettleKeys = -1 }), "settle_keys"},
		{"no payload", mod(func(s *Source) { s.PayloadColumn = "" }), "payload_column: missing"},
		{"payload and points", mod(func(s *Source) {
			s.Points = &PointsTable{Table: "pts", KeyColumn: "k", IndexColumn: "i", ValueColumn: "v"}
		}), "points"},
		{"points without coordinates", mod(func(s *Source) {
			s.PayloadColumn = ""
			s.Points = &PointsTable{Table: "pts", KeyColumn: "k", ValueColumn: "v"}
		}), "points.x_column"},
		{"points index and x", mod(func(s *Source) {
			s.PayloadColumn = ""
			s.Points = &PointsTable{Table: "pts", KeyColumn: "k", IndexColumn: "i", XColumn: "x", ValueColumn: "v"}
		}), "points.index_column"},
		{"points bad value column", mod(func(s *Source) {
			s.PayloadColumn = ""
			s.Points = &PointsTable{Table: "pts", KeyColumn: "k", IndexColumn: "i", ValueColumn: "v]"}
		}), "points.value_column"},
		{"metadata injection", mod(func(s *Source) { s.MetadataColumns = []string{"lot", "x) FROM results; --"} }), "metadata_columns[1]"},
		{"metadata twice", mod(func(s *Source) { s.MetadataColumns = []string{"lot", "lot"} }), "listed twice"},
	}
	for _, tc := range tests {
		err := tc.src.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: Validate() = %v; want nil", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: Validate() = %v; want an error containing %q", tc.name, err, tc.wantErr)
		}
	}
}

// FuzzSourceValidate feeds configuration strings to Source.Validate: it
// never panics, and an accepted source builds statements in which every
// configured name is quoted.
func FuzzSourceValidate(f *testing.F) {
	f.Add("line1", "dbo.scans", "id", "key", "payload", "lot", "")
	f.Add("l", "scans", "id", "claim", "", "a]b", "pts")
	f.Add("", "x;y", "1", "rowversion", "p", "", "")
	f.Fuzz(func(t *testing.T, name, table, key, mode, payload, meta, points string) {
		src := Source{Name: name, Table: table, KeyColumn: key, Mode: Mode(mode), PayloadColumn: payload,
			RowversionColumn: "rv", StatusColumn: "st", ClaimedAtColumn: "at", MetadataColumns: []string{meta}}
		if points != "" {
			src.PayloadColumn = ""
			src.Points = &PointsTable{Table: points, KeyColumn: key, IndexColumn: meta, ValueColumn: "v"}
		}
		c, err := src.compile()
		if err != nil {
			return
		}
		for _, d := range []dialect{sqliteDialect{}, sqlserverDialect{}} {
			sql := c.selectList(d, "s.", c.Mode == ModeRowversion) + " " + fetchUnresolved(d, c, tableIdents{results: Ident{Name: "r"}, rejects: Ident{Name: "j"}}, 1).sql
			sql = strings.ReplaceAll(sql, "'%Y-%m-%d %H:%M:%f', 'now'", "") // the one literal we write
			for _, bad := range []string{";", "--", "/*", "'"} {
				if strings.Contains(sql, bad) {
					t.Fatalf("accepted source %+v builds SQL containing %q:\n%s", src, bad, sql)
				}
			}
		}
	})
}
