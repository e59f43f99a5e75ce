package app

import (
	"fmt"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/inference/modelcmd"
	"github.com/gradewatch/gradewatch/monitor/scan"
)

func init() {
	register(command{name: "grade", summary: "grade image files with a model: grade --model FILE [--config FILE [--source NAME]] IMAGE...", run: modelcmd.GradeWith(configSourceLayout)})
}

// configSourceLayout returns the scan layout of a source of the configuration at
// path, the first enabled one when source is "", for "grade --config".
func configSourceLayout(path, source string) (scan.Layout, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return scan.Layout{}, err
	}
	var names []string
	for _, s := range cfg.Sources {
		if s.Disabled {
			continue
		}
		if source == "" || s.Name == source {
			return s.ScanLayout(), nil
		}
		names = append(names, s.Name)
	}
	if source == "" {
		return scan.Layout{}, fmt.Errorf("%s has no enabled source; add one or leave out --config", path)
	}
	return scan.Layout{}, fmt.Errorf("%s has no enabled source %q; use one of %v", path, source, names)
}
