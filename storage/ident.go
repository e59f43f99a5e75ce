package storage

import (
	"fmt"
	"strings"
)

// maxIdentPart is the longest name part SQL Server accepts (sysname).
const maxIdentPart = 128

// Ident is a validated SQL identifier of one or two parts: "table" or
// "schema.table" (or a column name, which has one part). Each part starts
// with a letter or underscore and holds only ASCII letters, digits and
// underscores, so it can be quoted safely in either dialect.
type Ident struct {
	Schema string // empty when the name has no schema part
	Name   string
}

// ParseIdent validates s as a one- or two-part identifier. The error names
// the offending part and says what is allowed.
func ParseIdent(s string) (Ident, error) {
	if s == "" {
		return Ident{}, fmt.Errorf("identifier is empty: give a table or column name such as scans or dbo.scans")
	}
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return Ident{}, fmt.Errorf("identifier %q has %d parts: use name or schema.name", s, len(parts))
	}
	for _, p := range parts {
		if err := checkIdentPart(p); err != nil {
			return Ident{}, fmt.Errorf("identifier %q: %w", s, err)
		}
	}
	if len(parts) == 2 {
		return Ident{Schema: parts[0], Name: parts[1]}, nil
	}
	return Ident{Name: parts[0]}, nil
}

// ParseOwnTable validates s as the name of one of Gradewatch's own tables
// (TableNames): an identifier whose name part leaves room for the index and
// trigger names derived from it (at most 100 characters).
func ParseOwnTable(s string) (Ident, error) {
	id, err := ParseIdent(s)
	if err != nil {
		return Ident{}, err
	}
	if len(id.Name) > maxOwnTableName {
		return Ident{}, fmt.Errorf("%q is %d characters long: at most %d, so index and trigger names built from it fit", s, len(id.Name), maxOwnTableName)
	}
	return id, nil
}

// ParseColumn validates s as a one-part identifier (a column name).
func ParseColumn(s string) (Ident, error) {
	id, err := ParseIdent(s)
	if err != nil {
		return Ident{}, err
	}
	if id.Schema != "" {
		return Ident{}, fmt.Errorf("column %q must be a plain name without a dot", s)
	}
	return id, nil
}

func checkIdentPart(p string) error {
	if p == "" {
		return fmt.Errorf("empty name part: remove the stray dot")
	}
	if len(p) > maxIdentPart {
		return fmt.Errorf("name part %.20q... is %d characters long: at most %d are allowed", p, len(p), maxIdentPart)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		case '0' <= c && c <= '9':
			return fmt.Errorf("name part %q starts with a digit: start with a letter or underscore", p)
		default:
			return fmt.Errorf("name part %q contains %q: use only letters, digits and underscores", p, rune(c))
		}
	}
	return nil
}

// String returns the identifier as written in configuration, unquoted.
func (id Ident) String() string {
	if id.Schema == "" {
		return id.Name
	}
	return id.Schema + "." + id.Name
}

// quoteBracket quotes id for SQL Server: [schema].[name]. Validated parts
// cannot contain ']', so no escaping is needed.
func (id Ident) quoteBracket() string {
	if id.Schema == "" {
		return "[" + id.Name + "]"
	}
	return "[" + id.Schema + "].[" + id.Name + "]"
}

// quoteDouble quotes id for SQLite: "schema"."name".
func (id Ident) quoteDouble() string {
	if id.Schema == "" {
		return `"` + id.Name + `"`
	}
	return `"` + id.Schema + `"."` + id.Name + `"`
}
