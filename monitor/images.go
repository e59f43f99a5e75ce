package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gradewatch/gradewatch/monitor/scan"
)

// ImagePath returns where the image of one scan is saved:
// <dir>/<YYYY-MM-DD>/<source>_<key>.png with the UTC day of t. Characters
// other than letters, digits, '.', '-' and '_' in source and key become
// '_'.
func ImagePath(dir string, t time.Time, source, key string) string {
	return filepath.Join(dir, t.UTC().Format(time.DateOnly), safeName(source)+"_"+safeName(key)+".png")
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// saveImages writes the PNG of each matrix, named by its scan key, and
// returns the paths, "" where saving failed. Failures show in
// Status.ImageError; the first success after a failure clears it.
func (s *source) saveImages(dir string, keys []string, mats []scan.Matrix) []string {
	paths := make([]string, len(keys))
	now := time.Now()
	day := filepath.Dir(ImagePath(dir, now, "x", "x"))
	if err := os.MkdirAll(day, 0o755); err != nil {
		s.imageError(fmt.Errorf("create image folder %s: %w", day, err))
		return paths
	}
	var (
		mu       sync.Mutex
		firstErr error
		saved    int
	)
	// Saving waits on the file system more than on the CPU: more writers
	// than cores keep it busy.
	parallel(len(keys), 4*runtime.GOMAXPROCS(0), func(i int) {
		path := ImagePath(dir, now, s.cfg.Source.Name, keys[i])
		err := writePNG(path, mats[i])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		saved++
		paths[i] = path
	})
	switch {
	case firstErr != nil:
		s.imageError(firstErr)
	case saved > 0:
		s.imageError(nil)
	}
	return paths
}

func (s *source) imageError(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.mu.Lock()
	same := s.st.ImageError == msg
	s.mu.Unlock()
	if !same {
		s.update(func(st *Status) { st.ImageError = msg })
	}
}

// writePNG writes m to path (scan.WritePNGFile: through a temporary
// file, so a crash never leaves a half-written image).
func writePNG(path string, m scan.Matrix) error { return scan.WritePNGFile(path, m) }
