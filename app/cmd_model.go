package app

import "github.com/gradewatch/gradewatch/app/modelcmd"

func init() {
	register(command{name: "model", summary: "inspect, test and benchmark an ONNX model (info, test, bench)", run: modelcmd.Model})
}
