package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGenericTables checks the primitives for tables that are not
// Gradewatch's own on both dialects: CreateTable is idempotent, InsertTx
// commits rows spread over several statements and returns identity values
// in order, rolls back when its function fails, and refuses bad names and
// rows of the wrong length.
func TestGenericTables(t *testing.T) {
	forEachDialect(t, func(e *env) {
		t := e.t
		table := e.name("generic_rows")
		def := `(id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL, n INTEGER NOT NULL, at TEXT NOT NULL DEFAULT (` + e.st.NowSQL() + `))`
		if e.st.Driver() == DriverSQLServer {
			def = `([id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, [label] NVARCHAR(32) NOT NULL, [n] INT NOT NULL, [at] DATETIME2(3) NOT NULL DEFAULT ` + e.st.NowSQL() + `)`
		}
		for i := range 2 {
			if err := e.st.CreateTable(e.ctx, table, def); err != nil {
				t.Fatalf("CreateTable #%d: %v", i+1, err)
			}
		}
		q, err := e.st.Quote(table)
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			t.Helper()
			var n int
			if err := e.st.DB().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// More rows than one statement carries on either dialect.
		const many = 1200
		rows := make([][]any, many)
		for i := range rows {
			rows[i] = []any{"bulk", int64(i)}
		}
		var ids []int64
		err = e.st.InsertTx(e.ctx, func(in *Inserter) error {
			if err := in.Rows(e.ctx, table, []string{"label", "n"}, rows); err != nil {
				return err
			}
			for i := range 3 {
				id, err := in.RowID(e.ctx, table, "id", []string{"label", "n"}, []any{"one", int64(-i)})
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("InsertTx: %v", err)
		}
		if got := count(); got != many+3 {
			t.Errorf("rows after InsertTx = %d; want %d", got, many+3)
		}
		if len(ids) != 3 || ids[0] <= many-1 || ids[1] != ids[0]+1 || ids[2] != ids[1]+1 {
			t.Errorf("RowID ids = %v; want three consecutive ids after the %d bulk rows", ids, many)
		}
		var at time.Time
		var atText string
		if e.st.Driver() == DriverSQLServer {
			err = e.st.DB().QueryRowContext(e.ctx, `SELECT [at] FROM `+q+` WHERE [id] = @p1`, ids[0]).Scan(&at)
		} else {
			err = e.st.DB().QueryRowContext(e.ctx, `SELECT at FROM `+q+` WHERE id = ?`, ids[0]).Scan(&atText)
			if err == nil {
				at, err = time.Parse(sqliteTimeLayout, atText)
			}
		}
		if err != nil || time.Since(at).Abs() > 10*time.Minute {
			t.Errorf("default of NowSQL = %v (%q), %v; want about now in UTC", at, atText, err)
		}

		// A failing function leaves nothing behind.
		boom := errors.New("boom")
		err = e.st.InsertTx(e.ctx, func(in *Inserter) error {
			if err := in.Rows(e.ctx, table, []string{"label", "n"}, [][]any{{"rolled back", int64(1)}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != many+3 {
			t.Errorf("InsertTx with a failing function = %v, %d rows; want boom and %d rows", err, count(), many+3)
		}

		bad := []struct {
			name string
			fn   func(in *Inserter) error
			want string
		}{
			{"bad table", func(in *Inserter) error {
				return in.Rows(e.ctx, "x;drop", []string{"label"}, [][]any{{"a"}})
			}, "x;drop"},
			{"bad column", func(in *Inserter) error {
				return in.Rows(e.ctx, table, []string{"label]"}, [][]any{{"a"}})
			}, "label]"},
			{"short row", func(in *Inserter) error {
				return in.Rows(e.ctx, table, []string{"label", "n"}, [][]any{{"a", int64(1)}, {"b"}})
			}, "row 1 has 1 values for 2 columns"},
			{"bad identity column", func(in *Inserter) error {
				_, err := in.RowID(e.ctx, table, "a.b", []string{"label", "n"}, []any{"a", int64(1)})
				return err
			}, "a.b"},
		}
		for _, tt := range bad {
			err := e.st.InsertTx(e.ctx, tt.fn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: InsertTx = %v; want an error naming %q", tt.name, err, tt.want)
			}
		}
		if err := e.st.CreateTable(e.ctx, "a.b.c", def); err == nil {
			t.Error("CreateTable(a.b.c) = nil; want an error for the three-part name")
		}
		if count() != many+3 {
			t.Errorf("rows after refused inserts = %d; want %d", count(), many+3)
		}
	})
}
