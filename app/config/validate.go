package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Problem is one invalid setting.
type Problem struct {
	// Path is the setting's path in the file, such as "sources[1].interval".
	Path string
	// Msg says what is wrong and how to fix it.
	Msg string
}

// String gives the problem as "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Msg }

// ValidationError lists every invalid setting of a configuration.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line when there are several.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether one of the problems is at path.
func (e *ValidationError) Has(path string) bool {
	for _, p := range e.Problems {
		if p.Path == path {
			return true
		}
	}
	return false
}

type checker struct{ problems []Problem }

func (ch *checker) add(path, format string, args ...any) {
	ch.problems = append(ch.problems, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Validate checks every setting and returns a *ValidationError listing all
// problems, or nil.
func (c *Config) Validate() error {
	var ch checker
	if c.Version < 0 || c.Version > CurrentVersion {
		ch.add("version", "%d is not a file version this Gradewatch understands (1 to %d); upgrade Gradewatch or write %d", c.Version, CurrentVersion, CurrentVersion)
	}
	c.validateDatabase(&ch)
	c.validateTables(&ch)
	names := map[string]int{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if j, dup := names[s.Name]; dup && s.Name != "" {
			ch.add(p+".name", "%q is already the name of sources[%d]; give each source its own name", s.Name, j)
		}
		names[s.Name] = i
		s.validate(&ch, p, c.Database.Driver)
	}
	if strings.TrimSpace(c.Model.Path) == "" {
		ch.add("model.path", "empty; set it to the model's .onnx file")
	}
	if strings.TrimSpace(c.Images.Folder) == "" {
		ch.add("images.folder", "empty; set it to the folder for scan images, such as \"images\"")
	}
	if t := c.Review.Threshold; math.IsNaN(t) || t < 0 || t > 1 {
		ch.add("review.threshold", "%v is not a confidence; write a number from 0 to 1, such as 0.8", t)
	}
	seen := map[string]bool{}
	for i, g := range c.Review.PassGrades {
		field := fmt.Sprintf("review.pass_grades[%d]", i)
		switch {
		case strings.TrimSpace(g) == "":
			ch.add(field, "is empty; write a grade label such as \"ok\", or remove it")
		case seen[g]:
			ch.add(field, "%q is listed twice; remove one", g)
		}
		seen[g] = true
	}
	for i, r := range c.Operator.Reasons {
		if strings.TrimSpace(r) == "" {
			ch.add(fmt.Sprintf("operator.reasons[%d]", i), "empty; remove it or write the reason")
		}
	}
	if h := c.Supervisor.PINHash; h != "" {
		if _, err := parsePINHash(h); err != nil {
			ch.add("supervisor.pin_hash", "%v; remove it and set the PIN again in the console's settings", err)
		}
	}
	if len(ch.problems) > 0 {
		return &ValidationError{Problems: ch.problems}
	}
	return nil
}

const noPassword = "use an environment variable (database.dsn_env) holding the connection string, or Windows integrated authentication (no user name in database.dsn)"

func (c *Config) validateDatabase(ch *checker) {
	d := c.Database
	switch d.Driver {
	case "sqlite", "sqlserver":
	default:
		ch.add("database.driver", "%q is not a supported driver; write \"sqlite\" or \"sqlserver\"", d.Driver)
	}
	if d.Password != "" {
		ch.add("database.password", "a password may not be stored in the config file; remove it and %s", noPassword)
	}
	if d.DSNEnv != "" && !isEnvName(d.DSNEnv) {
		ch.add("database.dsn_env", "%q is not an environment variable name; use letters, digits and _, such as \"GRADEWATCH_DSN\"", d.DSNEnv)
	}
	if d.Driver == "sqlserver" {
		if d.DSN == "" && d.DSNEnv == "" {
			ch.add("database", "no connection given; set database.dsn_env to an environment variable holding the connection string, or database.dsn for integrated authentication")
		}
		if d.DSN != "" && dsnHasPassword(d.DSN) {
			ch.add("database.dsn", "holds a password, which may not be stored in the config file; remove it and %s", noPassword)
		}
	}
}

func (c *Config) validateTables(ch *checker) {
	seen := map[string]string{}
	for _, t := range []struct{ field, name string }{
		{"tables.results", c.Tables.Results},
		{"tables.overrides", c.Tables.Overrides},
		{"tables.checkpoints", c.Tables.Checkpoints},
		{"tables.rejects", c.Tables.Rejects},
		{"tables.locks", c.Tables.Locks},
		{"tables.schema_version", c.Tables.SchemaVersion},
	} {
		if !checkIdent(ch, t.field, t.name, true) {
			continue
		}
		key := strings.ToLower(t.name)
		if other, dup := seen[key]; dup {
			ch.add(t.field, "%q is also %s; give each table its own name", t.name, other)
		}
		seen[key] = t.field
	}
}

var (
	modes     = []string{"key", "rowversion", "claim"}
	kinds     = []string{"blob", "image", "text", "points"}
	dtypes    = []string{"uint8", "uint16", "float32", "float64"}
	normKinds = []string{"min-max", "fixed", "z-score"}
	orders    = []string{"row-major", "column-major", "serpentine"}
)

// MaxCells is the largest scan (width x height) a source may declare.
const MaxCells = 4096 * 4096

func (s Source) validate(ch *checker, p, driver string) {
	if strings.TrimSpace(s.Name) == "" {
		ch.add(p+".name", "empty; give the source a name, such as \"line1\"")
	} else if len(s.Name) > 64 || strings.ContainsFunc(s.Name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		ch.add(p+".name", "%q is too long or holds control characters; use up to 64 printable characters", s.Name)
	}
	checkIdent(ch, p+".table", s.Table, true)
	checkIdent(ch, p+".key", s.Key, false)
	switch s.Mode {
	case "key":
	case "rowversion":
		if driver != "sqlserver" {
			ch.add(p+".mode", "\"rowversion\" needs SQL Server; use \"key\" with %s", driver)
		}
		if checkIdent(ch, p+".columns.rowversion", s.Columns.RowVersion, false) && s.Columns.RowVersion == s.Key {
			ch.add(p+".columns.rowversion", "is the key column; name the ROWVERSION column")
		}
	case "claim":
		checkIdent(ch, p+".columns.status", s.Columns.Status, false)
		checkIdent(ch, p+".columns.claimed_at", s.Columns.ClaimedAt, false)
		if s.Columns.ClaimedBy != "" {
			checkIdent(ch, p+".columns.claimed_by", s.Columns.ClaimedBy, false)
		}
	default:
		ch.add(p+".mode", "%q is not a watermark mode; write one of %s", s.Mode, quoteList(modes))
	}
	if s.Columns.CreatedAt != "" {
		checkIdent(ch, p+".columns.created_at", s.Columns.CreatedAt, false)
	}
	seen := map[string]bool{strings.ToLower(s.Key): true}
	for i, m := range s.Metadata {
		mp := fmt.Sprintf("%s.metadata[%d]", p, i)
		if !checkIdent(ch, mp, m, false) {
			continue
		}
		if seen[strings.ToLower(m)] {
			ch.add(mp, "%q is listed twice or is the key column; list each metadata column once", m)
		}
		seen[strings.ToLower(m)] = true
	}
	s.validateLayout(ch, p)
	fromPayload := (s.Layout.Kind == "image" || s.Layout.Kind == "text") && s.Width == 0 && s.Height == 0
	if !fromPayload && (s.Width < 1 || s.Height < 1 || int64(s.Width)*int64(s.Height) > MaxCells) {
		ch.add(p+".width", "%dx%d is not a scan size; write width and height of at least 1 and at most %d cells in all (image and text layouts may leave both 0)", s.Width, s.Height, MaxCells)
	}
	if d, ok := checkDuration(ch, p+".interval", s.Interval); ok && (d < 100*time.Millisecond || d > 24*time.Hour) {
		ch.add(p+".interval", "%s is out of range; write from \"100ms\" to \"24h\"", s.Interval)
	}
	if s.BatchSize < 1 || s.BatchSize > 100000 {
		ch.add(p+".batch_size", "%d is out of range; write from 1 to 100000, such as 256", s.BatchSize)
	}
	if s.SettleKeys < 0 {
		ch.add(p+".settle_keys", "%d is negative; write 0 for the default or a number of keys, such as 1000", s.SettleKeys)
	}
	if s.SettleTime != "" {
		if d, ok := checkDuration(ch, p+".settle_time", s.SettleTime); ok && d < time.Second {
			ch.add(p+".settle_time", "%s is too short; write at least \"1s\", such as \"2m\"", s.SettleTime)
		}
	}
	if s.Lease != "" {
		if d, ok := checkDuration(ch, p+".lease", s.Lease); ok && d < time.Second {
			ch.add(p+".lease", "%s is too short; write at least \"1s\", such as \"2m\"", s.Lease)
		}
	}
}

func (s Source) validateLayout(ch *checker, p string) {
	l := s.Layout
	lp := p + ".layout"
	if !oneOf(l.Kind, kinds) {
		ch.add(lp+".kind", "%q is not a layout; write one of %s", l.Kind, quoteList(kinds))
	}
	if l.Kind == "blob" && !oneOf(l.DType, dtypes) {
		ch.add(lp+".dtype", "%q is not a blob element type; write one of %s", l.DType, quoteList(dtypes))
	}
	if l.Kind != "blob" && l.DType != "" && oneOf(l.Kind, kinds) {
		ch.add(lp+".dtype", "only a blob layout has an element type; remove it")
	}
	switch l.Kind {
	case "blob", "image", "text":
		checkIdent(ch, p+".columns.payload", s.Columns.Payload, false)
		if s.Points != nil {
			ch.add(p+".points", "only a points layout reads a points table; remove it or set layout.kind to \"points\"")
		}
	case "points":
		if s.Points == nil {
			ch.add(p+".points", "missing; a points layout needs the points table (table, scan_key, value, and x and y or index)")
		} else {
			s.Points.validate(ch, p+".points")
		}
	}
	n := l.Normalisation
	np := lp + ".normalisation"
	switch n.Kind {
	case "min-max", "z-score":
	case "fixed":
		switch {
		case n.Min == nil || n.Max == nil:
			ch.add(np, "a fixed range needs both min and max")
		case math.IsNaN(*n.Min) || math.IsNaN(*n.Max) || math.IsInf(*n.Min, 0) || math.IsInf(*n.Max, 0) || *n.Min >= *n.Max:
			ch.add(np, "min %v and max %v are not a range; write finite numbers with min below max", *n.Min, *n.Max)
		}
	default:
		ch.add(np+".kind", "%q is not a normalisation; write one of %s", n.Kind, quoteList(normKinds))
	}
	if n.Sigma < 0 || math.IsNaN(n.Sigma) || math.IsInf(n.Sigma, 0) {
		ch.add(np+".sigma", "%v is not a clamp; write a positive number of standard deviations, such as 3", n.Sigma)
	}
	switch l.Fill {
	case "", "min", "zero":
	default:
		ch.add(lp+".fill", "%q is not a fill; write \"min\" or \"zero\"", l.Fill)
	}
	if l.MaxInvalid < 0 || l.MaxInvalid > 1 || math.IsNaN(l.MaxInvalid) {
		ch.add(lp+".max_invalid", "%v is not a share; write a number from 0 to 1, such as 0.05", l.MaxInvalid)
	}
}

func (pt *Points) validate(ch *checker, p string) {
	checkIdent(ch, p+".table", pt.Table, true)
	checkIdent(ch, p+".scan_key", pt.ScanKey, false)
	checkIdent(ch, p+".value", pt.Value, false)
	switch {
	case pt.X != "" || pt.Y != "":
		checkIdent(ch, p+".x", pt.X, false)
		checkIdent(ch, p+".y", pt.Y, false)
		if pt.Index != "" {
			ch.add(p+".index", "give either x and y or index, not both")
		}
	case pt.Index != "":
		checkIdent(ch, p+".index", pt.Index, false)
		if !oneOf(pt.Order, orders) {
			ch.add(p+".order", "%q is not an index order; write one of %s", pt.Order, quoteList(orders))
		}
	default:
		ch.add(p, "no position columns; give x and y, or index and order")
	}
}

// checkDuration parses a duration setting, recording a problem if it is not
// one.
func checkDuration(ch *checker, path, s string) (time.Duration, bool) {
	if s == "" {
		ch.add(path, "empty; write a duration such as \"10s\"")
		return 0, false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		ch.add(path, "%q has no unit; write %q", s, s+"s")
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		ch.add(path, "%q is not a duration; write a number with a unit, such as \"10s\", \"500ms\" or \"1m30s\"", s)
		return 0, false
	}
	return d, true
}

// checkIdent checks a table (schema.table allowed when table is true) or
// column name, recording a problem if it is not one.
func checkIdent(ch *checker, path, name string, table bool) bool {
	what := "column"
	if table {
		what = "table"
	}
	if name == "" {
		ch.add(path, "empty; write the %s name", what)
		return false
	}
	if !ValidIdent(name, table) {
		hint := "letters, digits and _, starting with a letter or _"
		if table {
			hint += " (optionally schema.table)"
		}
		ch.add(path, "%q is not a valid %s name; use %s", name, what, hint)
		return false
	}
	return true
}

// ValidIdent reports whether name is a SQL identifier Gradewatch accepts
// from configuration: letters, digits and _, starting with a letter or _,
// at most 128 characters; with table set, optionally schema-qualified.
func ValidIdent(name string, table bool) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 || (len(parts) == 2 && !table) {
		return false
	}
	for _, part := range parts {
		if part == "" || len(part) > 128 {
			return false
		}
		for i, r := range part {
			letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
			if !letter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

func isEnvName(s string) bool { return ValidIdent(s, false) }

// dsnHasPassword reports whether a SQL Server connection string (URL,
// ADO "key=value;" or ODBC form) carries a password.
func dsnHasPassword(dsn string) bool {
	trimmed := strings.TrimSpace(dsn)
	if strings.HasPrefix(strings.ToLower(trimmed), "sqlserver://") {
		u, err := url.Parse(trimmed)
		if err != nil {
			return strings.Contains(trimmed, "@") // unparsable: be safe
		}
		if _, set := u.User.Password(); set {
			return true
		}
		for k := range u.Query() {
			if isPasswordKey(k) {
				return true
			}
		}
		return false
	}
	trimmed = strings.TrimPrefix(trimmed, "odbc:")
	for _, kv := range strings.Split(trimmed, ";") {
		k, _, _ := strings.Cut(kv, "=")
		if isPasswordKey(k) {
			return true
		}
	}
	return false
}

func isPasswordKey(k string) bool {
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "password", "pwd", "pass", "passwd":
		return true
	}
	return false
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
