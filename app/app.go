// Package app is Gradewatch's composition root: it parses the command line
// (one cmd_*.go file per subcommand), owns the root context, runs the
// pipeline headless, and hands the console (package app/console) a
// workspace opened by package app/workspace.
package app

import (
	"context"
	"fmt"
	"io"
	"sort"

	// Imported for its init, which must run before Fyne reads the locale.
	"github.com/gradewatch/gradewatch/app/console"
	_ "github.com/gradewatch/gradewatch/app/locale"
)

// Version is the application version, set at build time with
// -ldflags "-X github.com/gradewatch/gradewatch/app.Version=...".
var Version = "0.1.0-dev"

// command is one subcommand of the gradewatch binary. Each lives in its own
// cmd_*.go file and adds itself to commands in an init function, so that
// commands are added without editing this file.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments after its name and
	// returns the exit code. It must not need a display.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("app: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func init() {
	register(command{name: "version", summary: "print the version", run: func(_ context.Context, _ []string, stdout, _ io.Writer) int {
		fmt.Fprintf(stdout, "gradewatch %s\n", Version)
		return 0
	}})
}

// Main runs the command named by args and returns the process exit code.
// Commands that need no display are answered before any window is created,
// so they work on a machine without DISPLAY.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return console.Run(ctx, "", stderr)
	}
	switch args[0] {
	case "--version", "-version":
		args = []string{"version"}
	case "help", "--help", "-h":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gradewatch: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: gradewatch [command] [arguments]\n\nWith no command, opens the operator console.\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "print this help")
}
