// Package modelcmd implements the deployer's model tools of the gradewatch
// command line: "model info", "model test", "model bench" and "grade".
// Commands write to the given io.Writers and return an exit code, so the
// app package only registers them.
package modelcmd
