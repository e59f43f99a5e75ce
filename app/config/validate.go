package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
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
		if t.name == "" {
			ch.add(t.field, "empty; write the table name")
			continue
		}
		if _, err := storage.ParseOwnTable(t.name); err != nil {
			ch.add(t.field, "%q is not a valid table name: %v", t.name, err)
			continue
		}
		key := strings.ToLower(t.name)
		if other, dup := seen[key]; dup {
			ch.add(t.field, "%q is also %s; give each table its own name", t.name, other)
		}
		seen[key] = t.field
	}
}

var modes = []string{"key", "rowversion", "claim"}

// The limits and rules below belong to the packages that enforce them:
// identifiers to storage, batch size and poll interval to monitor, layouts
// (formats, sizes, element types, orders, fills, normalisation ranges) to
// monitor/scan. Each check here calls their validator and reports its
// words under the setting's path.

func (s Source) validate(ch *checker, p, driver string) {
	if strings.TrimSpace(s.Name) == "" {
		ch.add(p+".name", "empty; give the source a name, such as \"line1\"")
	} else if err := storage.CheckSourceName(s.Name); err != nil {
		ch.add(p+".name", "%v", err)
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
	if scan.CheckFormat(s.Layout.Kind) == nil {
		if err := scan.CheckSize(s.Layout.Kind, s.Width, s.Height); err != nil {
			ch.add(p+".width", "%dx%d is not a scan size: %v", s.Width, s.Height, err)
		}
	}
	if d, ok := checkDuration(ch, p+".interval", s.Interval); ok {
		if err := monitor.CheckInterval(d); err != nil {
			ch.add(p+".interval", "%s is out of range: %v", s.Interval, err)
		}
	}
	// 0 means the default to the monitor, but applyDefaults has already
	// turned a missing batch_size into DefaultBatchSize: 0 was written.
	if err := monitor.CheckBatchSize(s.BatchSize); err != nil || s.BatchSize == 0 {
		if err == nil {
			err = monitor.CheckBatchSize(-1)
		}
		ch.add(p+".batch_size", "%d is out of range: %v", s.BatchSize, err)
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
		if d, ok := checkDuration(ch, p+".lease", s.Lease); ok {
			if err := storage.CheckLeaseTimeout(d); err != nil {
				ch.add(p+".lease", "%v", err)
			}
		}
	}
}

func (s Source) validateLayout(ch *checker, p string) {
	l := s.Layout
	lp := p + ".layout"
	if err := scan.CheckFormat(l.Kind); err != nil {
		ch.add(lp+".kind", "%q is not a layout: %v", l.Kind, err)
	}
	if l.Kind == scan.FormatBlob {
		if err := scan.CheckDType(l.DType); err != nil {
			ch.add(lp+".dtype", "%q is not a blob element type: %v", l.DType, err)
		}
	} else if l.DType != "" && scan.CheckFormat(l.Kind) == nil {
		ch.add(lp+".dtype", "only a blob layout has an element type; remove it")
	}
	switch l.Kind {
	case scan.FormatBlob, scan.FormatImage, scan.FormatText:
		checkIdent(ch, p+".columns.payload", s.Columns.Payload, false)
		if s.Points != nil {
			ch.add(p+".points", "only a points layout reads a points table; remove it or set layout.kind to \"points\"")
		}
	case scan.FormatPoints:
		if s.Points == nil {
			ch.add(p+".points", "missing; a points layout needs the points table (table, scan_key, value, and x and y or index)")
		} else {
			s.Points.validate(ch, p+".points")
		}
	}
	n := l.Normalisation
	np := lp + ".normalisation"
	switch normModes[n.Kind] {
	case scan.NormMinMax, scan.NormZScore:
	case scan.NormFixed:
		if n.Min == nil || n.Max == nil {
			ch.add(np, "a fixed range needs both min and max")
		} else if err := scan.CheckFixedRange(*n.Min, *n.Max); err != nil {
			ch.add(np, "min %v and max %v are not a range; write finite numbers with min below max (%v)", *n.Min, *n.Max, err)
		}
	default:
		ch.add(np+".kind", "%q is not a normalisation; write one of %s", n.Kind, quoteList(normKinds()))
	}
	if err := scan.CheckSigma(n.Sigma); err != nil {
		ch.add(np+".sigma", "%v is not a clamp: %v", n.Sigma, err)
	}
	if err := scan.CheckFill(l.Fill); err != nil {
		ch.add(lp+".fill", "%v", err)
	}
	if err := scan.CheckMaxInvalid(l.MaxInvalid); err != nil {
		ch.add(lp+".max_invalid", "%v is not a share: %v", l.MaxInvalid, err)
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
		if err := scan.CheckOrder(pt.Order); err != nil || pt.Order == scan.OrderXY {
			ch.add(p+".order", "%q is not an index order; write \"row-major\", \"column-major\" or \"serpentine\" (%v)", pt.Order, err)
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
// column name with storage's rule, recording a problem if it is not one.
func checkIdent(ch *checker, path, name string, table bool) bool {
	what, parse := "column", storage.ParseColumn
	if table {
		what, parse = "table", storage.ParseIdent
	}
	if name == "" {
		ch.add(path, "empty; write the %s name", what)
		return false
	}
	if _, err := parse(name); err != nil {
		ch.add(path, "%q is not a valid %s name: %v", name, what, err)
		return false
	}
	return true
}

// isEnvName reports whether s is an environment variable name Gradewatch
// accepts: ASCII letters, digits and _, not starting with a digit.
func isEnvName(s string) bool {
	for i, r := range s {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

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
