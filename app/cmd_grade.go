package app

import "github.com/gradewatch/gradewatch/app/modelcmd"

func init() {
	register(command{name: "grade", summary: "grade image files with a model: grade --model FILE [--config FILE [--source NAME]] IMAGE...", run: modelcmd.Grade})
}
