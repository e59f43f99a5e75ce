package instance

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSecondInstanceRaisesFirst(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Acquire(ctx, dir)
	if err != nil {
		t.Fatalf("Acquire(first) = %v; want nil", err)
	}
	defer first.Release()
	if _, err := Acquire(ctx, dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("Acquire(second) = %v; want ErrRunning", err)
	}
	select {
	case <-first.Raise:
	case <-time.After(5 * time.Second):
		t.Fatal("first instance was not asked to raise its window within 5s")
	}
	first.Release()
	second, err := Acquire(ctx, dir)
	if err != nil {
		t.Fatalf("Acquire after Release = %v; want nil", err)
	}
	second.Release()
}

func TestStaleSocketIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, socketName)
	// A crashed instance leaves its socket file behind: make one whose
	// listener is gone but whose file stays.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("stale socket file missing: %v", err)
	}
	l, err := Acquire(context.Background(), dir)
	if err != nil {
		t.Fatalf("Acquire over a stale socket = %v; want nil", err)
	}
	l.Release()
}

func TestReleaseOnContextDone(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Acquire(ctx, dir); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := Acquire(context.Background(), dir)
		if err == nil {
			l.Release()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Acquire 5s after the first instance's context ended = %v; want nil", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
