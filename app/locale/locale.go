// Package locale normalises the process's locale variables before Fyne reads
// them.
//
// Fyne's locale lookup cannot parse the C or POSIX locale with an encoding
// suffix ("C.UTF-8", common on servers and in containers) and logs "Error
// parsing user locale C" while the program initialises, CLI commands
// included, before falling back to English anyway. This package turns such a
// value into the bare "C" that Fyne understands, in its init function.
//
// It must initialise before Fyne's packages: Go initialises packages in the
// order of their import paths among those whose imports are ready, and this
// package imports only the standard library and sorts before
// github.com/jeandeaual/go-locale, the library Fyne reads the locale with.
// Importing it anywhere in the program is enough.
package locale

import (
	"os"
	"strings"
)

func init() { normalise() }

// normalise rewrites the first of LC_ALL, LC_MESSAGES and LANG that is set
// (the one a locale lookup reads) from C.<encoding> or POSIX.<encoding> to C
// or POSIX. Other values are left alone. It changes this process's
// environment only.
func normalise() {
	for _, name := range [...]string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		lang, _, _ := strings.Cut(v, ".")
		lang, _, _ = strings.Cut(lang, "@")
		if (lang == "C" || lang == "POSIX") && lang != v {
			os.Setenv(name, lang)
		}
		return
	}
}
