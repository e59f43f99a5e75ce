package app

import (
	"strings"
	"testing"
	"time"

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
