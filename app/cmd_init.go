package app

import (
	"context"
	"fmt"
	"io"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func init() {
	register(command{name: "init", summary: "create a workspace (--demo --dir DIR: the demo workspace)", run: runInit})
}

// runInit is "gradewatch init --demo --dir DIR".
func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("init", "--demo --dir DIR", stderr)
	isDemo := fs.Bool("demo", false, "create the demo workspace (simulated line on the embedded database, bundled model)")
	dir := fs.String("dir", "", "folder for config.json, the database, the model and the images")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	if !*isDemo {
		fmt.Fprintln(stderr, "gradewatch init: only --demo is supported; for a real line copy the demo's config.json and edit its database and sources")
		return 2
	}
	if *dir == "" {
		d, err := workspace.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "gradewatch init: %v\n", err)
			return 1
		}
		*dir = d
	}
	path, err := workspace.InitDemo(ctx, *dir)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch init: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "demo workspace ready: %s\nnext: gradewatch simulate --config %s --count 200\n      gradewatch run --headless --config %s --until-idle\n", path, path, path)
	return 0
}
