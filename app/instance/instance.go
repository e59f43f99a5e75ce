// Package instance keeps a single console running per user: the first
// process listens on a local socket in the config folder, a second one
// finds it, asks it to raise its window and exits. Where Unix domain
// sockets are unavailable (Windows before 10 1803, Wine) it listens on a
// loopback TCP port written to a file in the same folder instead.
package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrRunning means another console of this user is already running; it
// has been asked to show its window.
var ErrRunning = errors.New("gradewatch console is already running: its window was brought to the front")

// socketName is the socket file created in the config folder; portName
// holds the loopback TCP port when Unix sockets are unavailable.
const (
	socketName = "console.sock"
	portName   = "console.port"
)

// hello is the running instance's answer to "raise", so that a stale port
// now used by another program is not mistaken for a running console.
const hello = "gradewatch\n"

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
			// No Unix sockets here: use loopback TCP.
			return acquireTCP(ctx, dir)
		}
	}
	return start(ctx, ln, path), nil
}

// acquireTCP is Acquire over a loopback TCP port recorded in portName.
func acquireTCP(ctx context.Context, dir string) (*Lock, error) {
	portFile := filepath.Join(dir, portName)
	if port, err := os.ReadFile(portFile); err == nil {
		d := net.Dialer{Timeout: time.Second}
		if conn, derr := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strings.TrimSpace(string(port)))); derr == nil {
			fmt.Fprint(conn, "raise\n")
			conn.SetReadDeadline(time.Now().Add(time.Second))
			reply, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if reply == hello {
				return nil, ErrRunning
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("single instance: listen on loopback: %w", err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	tmp := portFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(port+"\n"), 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("single instance: write %s: %w", portFile, err)
	}
	if err := os.Rename(tmp, portFile); err != nil {
		ln.Close()
		return nil, fmt.Errorf("single instance: write %s: %w", portFile, err)
	}
	return start(ctx, ln, portFile), nil
}

// start serves other instances on ln until Release or ctx is done.
func start(ctx context.Context, ln net.Listener, path string) *Lock {
	raise := make(chan struct{}, 1)
	l := &Lock{Raise: raise, ln: ln, path: path}
	go l.serve(raise)
	go func() {
		<-ctx.Done()
		l.Release()
	}()
	return l
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
		if line == "raise\n" {
			fmt.Fprint(conn, hello)
		}
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
