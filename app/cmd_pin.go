package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func init() {
	register(command{name: "set-pin", summary: "set or clear the supervisor PIN that guards the console's settings", run: runSetPIN})
}

// stdin is where set-pin reads the PIN; tests replace it.
var stdin io.Reader = os.Stdin

// runSetPIN is "gradewatch set-pin --config FILE [--clear]": it reads the
// PIN from the first line of standard input and stores only its salted
// hash in the configuration.
func runSetPIN(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("set-pin", "--config FILE [--clear]   (the PIN is read from standard input)", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the workspace in the user's configuration folder)")
	clear := fs.Bool("clear", false, "remove the PIN: settings open without one")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	path, cfg, err := workspace.Ensure(ctx, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch set-pin: %v\n", err)
		return 1
	}
	if *clear {
		cfg.Supervisor.PINHash = ""
	} else {
		line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(stderr, "gradewatch set-pin: read the PIN from standard input: %v\n", err)
			return 1
		}
		hash, err := config.HashPIN(strings.TrimRight(line, "\r\n"))
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch set-pin: %v\n", err)
			return 1
		}
		cfg.Supervisor.PINHash = hash
	}
	if err := cfg.Save(path); err != nil {
		fmt.Fprintf(stderr, "gradewatch set-pin: %v\n", err)
		return 1
	}
	if *clear {
		fmt.Fprintf(stdout, "supervisor PIN removed from %s\n", path)
	} else {
		fmt.Fprintf(stdout, "supervisor PIN set in %s (stored as a salted hash)\n", path)
	}
	return 0
}
