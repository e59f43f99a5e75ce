// Package cli holds what every gradewatch subcommand shares: a flag set that
// reports to the command's stderr, and parsing that returns an exit code
// instead of exiting.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// NewFlags returns a flag set for "gradewatch NAME" that writes its usage
// ("usage: gradewatch NAME USAGE" and the flags) and errors to stderr and
// returns errors instead of exiting.
func NewFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gradewatch %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses flags that may come before, between or after the positional
// arguments and returns the positional ones. ok is false when the command
// must stop: after -h (code 0) or a usage error, already reported (code 2).
func Parse(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, false
			}
			return nil, 2, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// ParseFlagsOnly is Parse for a command that takes no positional argument:
// one is reported as unexpected, with the usage, and ok is false (code 2).
func ParseFlagsOnly(fs *flag.FlagSet, args []string) (code int, ok bool) {
	pos, code, ok := Parse(fs, args)
	if !ok {
		return code, false
	}
	if len(pos) > 0 {
		fmt.Fprintf(fs.Output(), "gradewatch %s: unexpected argument %q\n", fs.Name(), pos[0])
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// ParseN is Parse for a command that takes exactly n positional arguments:
// any other number prints the usage, and ok is false (code 2).
func ParseN(fs *flag.FlagSet, args []string, n int) (pos []string, code int, ok bool) {
	pos, code, ok = Parse(fs, args)
	if ok && len(pos) != n {
		fs.Usage()
		return nil, 2, false
	}
	return pos, code, ok
}
