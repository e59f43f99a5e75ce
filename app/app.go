// Package app is Gradewatch's composition root: it parses the command line,
// opens storage, builds the inference engine and the monitor, owns the root
// context and hands small interfaces to the ui package.
package app

import (
	"context"
	"fmt"
	"io"
)

// Version is the application version, set at build time with
// -ldflags "-X github.com/gradewatch/gradewatch/app.Version=...".
var Version = "0.1.0-dev"

// Main runs the command named by args and returns the process exit code.
// Commands that need no display are answered before any window is created,
// so they work on a machine without DISPLAY.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runConsole(ctx, stderr)
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "gradewatch %s\n", Version)
		return 0
	case "help", "--help", "-h":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "gradewatch: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: gradewatch [command]

With no command, opens the operator console.

commands:
  version    print the version
  help       print this help
`)
}
