package app

import (
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
	register(command{name: "check", summary: "check a configuration: settings, database, source tables, model", run: runCheck})
}

// runCheck is "gradewatch check --config FILE": it validates the file,
// connects to the database, counts what is pending in every source and
// loads the model, reporting each step, and exits 1 if any failed. It
// changes nothing but creating Gradewatch's own tables if they are missing.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("check", "--config FILE", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the workspace in the user's configuration folder)")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	path, cfg, err := workspace.Ensure(ctx, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch check: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "ok    settings: %s (%d source(s))\n", path, len(cfg.Sources))
	failed := false
	fail := func(what string, err error) {
		failed = true
		fmt.Fprintf(stdout, "FAIL  %s: %v\n", what, err)
	}
	if st, err := workspace.OpenStore(ctx, cfg); err != nil {
		fail("database", err)
	} else {
		fmt.Fprintf(stdout, "ok    database: %s, tables migrated\n", cfg.Database.Driver)
		for _, s := range cfg.Sources {
			src := s.StorageSource()
			if err := st.CheckSource(ctx, src); err != nil {
				fail("source "+s.Name, err)
				continue
			}
			p, err := st.Pending(ctx, src)
			if err != nil {
				fail("source "+s.Name, err)
				continue
			}
			fmt.Fprintf(stdout, "ok    source %s: table %s, %d pending, polled every %s%s\n", s.Name, s.Table, p.Count, s.Interval, disabled(s))
		}
		st.Close()
	}
	if m, err := workspace.LoadValidModel(ctx, cfg.ModelPath()); err != nil {
		fail("model", err)
	} else {
		in := m.Info()
		fmt.Fprintf(stdout, "ok    model: %s sha256 %s, %d classes [%s]\n", cfg.ModelPath(), shortSHA(in.SHA256), len(in.Labels), strings.Join(in.Labels, " "))
	}
	if cfg.Images.Enabled {
		if err := checkWritable(cfg.ImageFolder()); err != nil {
			fail("images", err)
		} else {
			fmt.Fprintf(stdout, "ok    images: %s is writable\n", cfg.ImageFolder())
		}
	}
	if failed {
		return 1
	}
	return 0
}

func disabled(s config.Source) string {
	if s.Disabled {
		return " (disabled)"
	}
	return ""
}

// checkWritable creates the folder if needed and writes and removes a
// probe file in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".gradewatch-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
