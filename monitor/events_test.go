package monitor

import (
	"context"
	"testing"
	"time"
)

// A subscriber that does not read loses the oldest scan events, and sees
// only the latest status per source; publishing never blocks.
func TestSubscriptionDropsAndCoalesces(t *testing.T) {
	m, err := New(Config{Store: newFakeStore(0), Sources: []SourceConfig{blobSource("a", time.Second, 1), blobSource("b", time.Second, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sub := m.Subscribe(ctx, 3)
	// Fill the queues without reading; the pump may hold one event it is
	// trying to deliver, so allow for that below.
	for i := range 10 {
		m.hub.publish(ScanRejected{})
		m.hub.publish(SourceStatus{Status: Status{Source: "a", Graded: int64(i)}})
	}
	m.hub.publish(SourceStatus{Status: Status{Source: "b", Graded: 99}})
	time.Sleep(10 * time.Millisecond)
	var scans, statusA, statusB int
	var lastA int64 = -1
	timeout := time.After(2 * time.Second)
read:
	for {
		select {
		case ev := <-sub.C:
			switch ev := ev.(type) {
			case ScanRejected:
				scans++
			case SourceStatus:
				switch ev.Status.Source {
				case "a":
					statusA++
					lastA = ev.Status.Graded
				case "b":
					statusB++
				}
			}
		case <-time.After(50 * time.Millisecond):
			break read
		case <-timeout:
			t.Fatal("reading events took too long")
		}
	}
	if scans > 4 || scans < 3 {
		t.Errorf("received %d scan events; want the 3 queued (+1 in flight)", scans)
	}
	if dropped := sub.Dropped(); int(dropped)+scans != 10 {
		t.Errorf("dropped %d + received %d = %d; want 10", dropped, scans, int(dropped)+scans)
	}
	if statusA > 3 || lastA != 9 {
		t.Errorf("status a delivered %d times, last graded %d; want coalesced (<= 3) ending with 9", statusA, lastA)
	}
	if statusB < 1 {
		t.Errorf("status b delivered %d times; want at least once", statusB)
	}
	cancel()
	for range sub.C { // closed after cancel
	}
	m.hub.publish(ScanRejected{}) // no subscriber left: must not block or panic
	if m.hub.active() {
		t.Error("hub still has a subscriber after its ctx was cancelled")
	}
}
