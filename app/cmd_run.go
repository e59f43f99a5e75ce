package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/console"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func init() {
	register(command{name: "run", summary: "grade the configured sources (--headless: without the console)", run: runRun})
}

// runRun is "gradewatch run [--headless] [--config FILE] [--until-idle]".
func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("run", "[--headless] [--config FILE] [--until-idle] [--status-every 10s] [--simulate R]", stderr)
	headless := fs.Bool("headless", false, "run the pipeline without the console")
	cfgPath := fs.String("config", "", "configuration file (default: the demo workspace in the user's configuration folder)")
	untilIdle := fs.Bool("until-idle", false, "with --headless, exit 0 once nothing is pending (1 if a source keeps failing or another console polls it)")
	every := fs.Duration("status-every", 10*time.Second, "with --headless, interval between status lines (0: summary only)")
	line := fs.Float64("simulate", 0, "with --headless on a demo workspace, keep inserting demo scans at this many per second")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	if !*headless {
		if *untilIdle {
			fmt.Fprintln(stderr, "gradewatch run: --until-idle needs --headless")
			return 2
		}
		return console.Run(ctx, *cfgPath, stderr)
	}
	path, _, err := workspace.Ensure(ctx, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch run: %v\n", err)
		return 1
	}
	w, err := workspace.Open(ctx, path)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch run: %v\n", err)
		return 1
	}
	defer w.Close()
	if *line > 0 {
		if !w.Config.Demo {
			fmt.Fprintf(stderr, "gradewatch run: --simulate needs a demo workspace; %s is not one\n", path)
			return 2
		}
		if *untilIdle {
			fmt.Fprintln(stderr, "gradewatch run: --simulate never lets the line go idle; leave out --until-idle")
			return 2
		}
		lineCtx, stop := context.WithCancel(ctx)
		defer stop()
		go demo.SimulateLine(lineCtx, w.Store, *line, func(err error) { fmt.Fprintf(stderr, "gradewatch run: demo line: %v\n", err) })
	}
	if _, err := runHeadless(ctx, w, headlessOptions{UntilIdle: *untilIdle, StatusEvery: *every}, stdout); err != nil {
		fmt.Fprintf(stderr, "gradewatch run: %v\n", err)
		return 1
	}
	if *untilIdle && ctx.Err() != nil {
		// Interrupted before the sources caught up.
		fmt.Fprintln(stderr, "gradewatch run: interrupted before every source caught up")
		return 130
	}
	return 0
}
