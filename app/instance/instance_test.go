package instance

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
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

// The loopback TCP fallback (no Unix sockets) behaves like the socket: a
// second instance raises the first, a port left by a dead one is taken
// over, and a port answered by some other program is not mistaken for a
// console.
func TestTCPFallback(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := acquireTCP(ctx, dir)
	if err != nil {
		t.Fatalf("acquireTCP(first) = %v", err)
	}
	if _, err := acquireTCP(ctx, dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("acquireTCP(second) = %v; want ErrRunning", err)
	}
	select {
	case <-first.Raise:
	case <-time.After(5 * time.Second):
		t.Fatal("first instance was not asked to raise its window within 5s")
	}
	first.Release()
	second, err := acquireTCP(ctx, dir)
	if err != nil {
		t.Fatalf("acquireTCP over a dead instance's port = %v; want nil", err)
	}
	second.Release()

	// Another program on the recorded port does not answer "gradewatch".
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.0 400 Bad Request\r\n"))
			c.Close()
		}
	}()
	port := strconv.Itoa(other.Addr().(*net.TCPAddr).Port)
	if err := os.WriteFile(filepath.Join(dir, portName), []byte(port+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	third, err := acquireTCP(ctx, dir)
	if err != nil {
		t.Fatalf("acquireTCP with another program on the recorded port = %v; want nil", err)
	}
	third.Release()
}
