// Package instance keeps a single console running per user: the first
// process listens on a local socket in the config folder, a second one
// finds it, asks it to raise its window and exits.
package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ErrRunning means another console of this user is already running; it
// has been asked to show its window.
var ErrRunning = errors.New("gradewatch console is already running: its window was brought to the front")

// socketName is the socket file created in the config folder.
const socketName = "console.sock"

// Lock is held by the running instance. Raise receives a value each time
// another instance asks this one to show its window.
type Lock struct {
	Raise <-chan struct{}
	ln    net.Listener
	path  string
}

// Acquire makes this process the single instance for dir, or returns
// ErrRunning after asking the running one to raise its window. A socket
// left behind by a crashed instance is removed and taken over. The lock is
// released by Release or when ctx is done.
func Acquire(ctx context.Context, dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("single instance: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, socketName)
	ln, err := net.Listen("unix", path)
	if err != nil {
		// Someone has the socket: a live instance answers, a stale file
		// does not.
		d := net.Dialer{Timeout: time.Second}
		if conn, derr := d.DialContext(ctx, "unix", path); derr == nil {
			fmt.Fprintln(conn, "raise")
			conn.Close()
			return nil, ErrRunning
		}
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return nil, fmt.Errorf("single instance: remove stale %s: %w", path, rerr)
		}
		if ln, err = net.Listen("unix", path); err != nil {
			return nil, fmt.Errorf("single instance: listen on %s: %w", path, err)
		}
	}
	raise := make(chan struct{}, 1)
	l := &Lock{Raise: raise, ln: ln, path: path}
	go l.serve(raise)
	go func() {
		<-ctx.Done()
		l.Release()
	}()
	return l, nil
}

// serve answers other instances until the listener is closed.
func (l *Lock) serve(raise chan<- struct{}) {
	defer close(raise)
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return // closed by Release
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if line == "raise\n" {
			select {
			case raise <- struct{}{}:
			default: // a raise is already waiting
			}
		}
	}
}

// Release gives the instance up; it is safe to call more than once.
func (l *Lock) Release() {
	l.ln.Close() // also removes the socket file on Unix
}
