// Package config reads, validates and writes Gradewatch's JSON configuration
// file (config.json): the database connection, the names of the tables
// Gradewatch owns, the source tables it watches, the model, the image folder,
// the review threshold, operator defaults and the supervisor PIN hash.
//
// review.pass_grades lists the final grades that count as a pass for the
// console's yield, for example ["ok", "A", "B"]. They are not checked
// against the model's labels (a model may be replaced, and an operator's
// override may use any grade); an empty list hides the yield. The demo
// workspace leaves it empty: its digits are neither good nor bad.
//
// The file never holds a database password: the connection string comes
// from an environment variable (database.dsn_env), or the DSN in the file
// uses Windows integrated authentication. A password in the file is refused
// by Validate with an error that says what to do instead.
//
// Validation reports every problem at once, each naming the field path and
// the fix, for example:
//
//	sources[1].interval: "10" has no unit; write "10s"
//
// Relative paths (the model, the image folder, an SQLite database file) are
// resolved against the folder that holds the configuration file.
package config
