package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ConnectionString returns the driver and the connection string to open,
// reading database.dsn_env through getenv (os.Getenv in production) when it
// is set. A relative SQLite database file is resolved against the
// configuration's folder.
func (c *Config) ConnectionString(getenv func(string) string) (driver, dsn string, err error) {
	d := c.Database
	dsn = d.DSN
	if d.DSNEnv != "" {
		dsn = getenv(d.DSNEnv)
		if dsn == "" {
			return "", "", fmt.Errorf("database.dsn_env: environment variable %s is empty or not set; set it to the %s connection string", d.DSNEnv, d.Driver)
		}
	}
	if dsn == "" {
		return "", "", fmt.Errorf("database: no connection string; set database.dsn or database.dsn_env")
	}
	if d.Driver == "sqlite" {
		dsn = c.resolveSQLite(dsn)
	}
	return d.Driver, dsn, nil
}

// resolveSQLite makes the file of an SQLite DSN ("x.db", "file:x.db?...")
// absolute against the configuration's folder; ":memory:" and absolute
// paths are left alone.
func (c *Config) resolveSQLite(dsn string) string {
	if dsn == ":memory:" || strings.HasPrefix(dsn, "file::memory:") {
		return dsn
	}
	prefix := ""
	rest := dsn
	if strings.HasPrefix(dsn, "file:") {
		prefix, rest = "file:", strings.TrimPrefix(dsn, "file:")
	}
	file, query, hasQuery := strings.Cut(rest, "?")
	if file == "" || filepath.IsAbs(file) || c.dir == "" {
		return dsn
	}
	out := prefix + filepath.Join(c.dir, file)
	if hasQuery {
		out += "?" + query
	}
	return out
}
