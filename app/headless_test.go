package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/monitor"
)

func TestStuck(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		steps   [][]monitor.Status // one status snapshot per check
		at      []time.Duration    // time of each check after t0
		wantErr string             // after the last check; "" for none
	}{
		{
			name:  "ok sources",
			steps: [][]monitor.Status{{{Source: "a", State: monitor.StateOK}}},
			at:    []time.Duration{0},
		},
		{
			name:    "error three times",
			steps:   [][]monitor.Status{{{Source: "a", State: monitor.StateError, Failures: 3, LastError: "no such table: x"}}},
			at:      []time.Duration{0},
			wantErr: "source a failed 3 times in a row, last: no such table: x",
		},
		{
			name:  "transient backoff is waited out",
			steps: [][]monitor.Status{{{Source: "a", State: monitor.StateBackoff, Failures: 9}}},
			at:    []time.Duration{0},
		},
		{
			name: "short standby (a killed run's lock expiring) is waited out",
			steps: [][]monitor.Status{
				{{Source: "a", State: monitor.StateStandby}},
				{{Source: "a", State: monitor.StateStandby}},
				{{Source: "a", State: monitor.StateOK}},
				{{Source: "a", State: monitor.StateStandby}},
			},
			at: []time.Duration{0, 30 * time.Second, 40 * time.Second, 80 * time.Second},
		},
		{
			name: "standby for longer than a lock lasts",
			steps: [][]monitor.Status{
				{{Source: "a", State: monitor.StateOK}, {Source: "b", State: monitor.StateStandby}},
				{{Source: "a", State: monitor.StateOK}, {Source: "b", State: monitor.StateStandby}},
			},
			at:      []time.Duration{0, standbyLimit + time.Second},
			wantErr: "source b is being polled by another console",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			standby := map[string]time.Time{}
			var err error
			for i, st := range tt.steps {
				err = stuck(st, standby, t0.Add(tt.at[i]))
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("stuck = %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("stuck = %v; want %q", err, tt.wantErr)
			}
		})
	}
}

// TestUntilIdleGivesUpOnBrokenSource checks that --until-idle does not
// wait for ever when a source cannot be read: it exits 1 naming the source.
func TestUntilIdleGivesUpOnBrokenSource(t *testing.T) {
	dir := t.TempDir()
	path, err := workspace.InitDemo(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sources[1].Table = "no_such_table"
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, errOut := gw(t, "run", "--headless", "--config", path, "--until-idle", "--status-every", "0")
	if code != 1 || !strings.Contains(errOut, "source demo-points failed") || !strings.Contains(errOut, "no_such_table") {
		t.Errorf("run --until-idle with a missing table = exit %d, stderr %q; want 1 naming demo-points and the table", code, errOut)
	}
	t.Logf("gave up after %v", time.Since(start).Round(time.Millisecond))
}

// TestSimulateRate checks that --rate paces the inserts: 10 scans at 20
// per second cannot be done in much less than half a second.
func TestSimulateRate(t *testing.T) {
	path, err := workspace.InitDemo(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out := mustGW(t, "simulate", "--config", path, "--count", "10", "--rate", "20", "--seed", "1")
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("10 scans at 20/s took %v; want about 0.5s", d)
	}
	if !strings.Contains(out, "inserted 10 scans (5 blob, 5 points)") {
		t.Errorf("simulate output = %q; want 10 scans split 5/5", out)
	}
}

// TestRunHeadlessWithoutModel checks that a headless run refuses to start
// when the workspace's model file is broken.
func TestRunHeadlessWithoutModel(t *testing.T) {
	path, err := workspace.InitDemo(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.ModelPath(), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Headless refuses to start without a model.
	code, _, errOut := gw(t, "run", "--headless", "--config", path, "--until-idle")
	if code != 1 || !strings.Contains(errOut, "load model") {
		t.Errorf("run without a valid model = exit %d, stderr %q; want 1 and the load error", code, errOut)
	}
}
