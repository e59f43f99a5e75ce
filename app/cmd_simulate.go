package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func init() {
	register(command{name: "simulate", summary: "insert demo scans (MNIST digits) into a demo workspace", run: runSimulate})
}

// runSimulate is "gradewatch simulate --config FILE --count N [--rate R]".
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("simulate", "--config FILE --count N [--rate R] [--seed S]", stderr)
	cfgPath := fs.String("config", "", "configuration file of a demo workspace (default: the one in the user's configuration folder)")
	count := fs.Int("count", 0, "number of scans to insert")
	rate := fs.Float64("rate", 0, "scans per second (0: as fast as possible)")
	seed := fs.Uint64("seed", 0, "random seed for picking digits (0: from the clock)")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	if *count <= 0 || *rate < 0 {
		fmt.Fprintf(stderr, "gradewatch simulate: --count %d --rate %v; give a positive count and a rate of 0 or more\n", *count, *rate)
		return 2
	}
	path, cfg, err := workspace.Ensure(ctx, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch simulate: %v\n", err)
		return 1
	}
	if !cfg.Demo {
		fmt.Fprintf(stderr, "gradewatch simulate: %s is not a demo workspace; simulate writes only into the demo tables (create one with gradewatch init --demo --dir DIR)\n", path)
		return 1
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	n, err := simulate(ctx, cfg, *seed, *count, *rate)
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch simulate: inserted %d of %d scans: %v\n", n.Total(), *count, err)
		return 1
	}
	fmt.Fprintf(stdout, "inserted %d scans (%d blob, %d points) into %s\n", n.Total(), n.Blob, n.Points, path)
	return 0
}

func simulate(ctx context.Context, cfg *config.Config, seed uint64, count int, rate float64) (demo.SimulateStats, error) {
	st, err := workspace.OpenStore(ctx, cfg)
	if err != nil {
		return demo.SimulateStats{}, err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return demo.Simulate(ctx, st, rng, count, rate)
}
