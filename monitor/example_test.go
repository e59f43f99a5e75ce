package monitor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// Wiring a Monitor: one blob source polled every 10 s, images saved, the
// events read by a consumer that may be slow without slowing grading.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	st, err := storage.Open(ctx, storage.DriverSQLite, "gradewatch.db", storage.TableNames{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	model, err := inference.LoadFile(ctx, "mnist-8.onnx")
	if err != nil {
		log.Fatal(err)
	}
	blob, _ := demo.Sources(demo.DefaultTables())
	m, err := monitor.New(monitor.Config{
		Store:    st,
		Grader:   model,
		ImageDir: "images",
		Sources: []monitor.SourceConfig{{
			Source:    blob,
			Layout:    scan.Layout{Format: scan.FormatBlob, Width: 28, Height: 28, DType: scan.DTypeUint8},
			Interval:  10 * time.Second,
			BatchSize: 256,
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	sub := m.Subscribe(ctx, 1024)
	go func() {
		for ev := range sub.C { // closed when ctx is done
			switch ev := ev.(type) {
			case monitor.ScanGraded:
				fmt.Println(ev.Result.SourceKey, ev.Result.Predicted, ev.Result.Confidence)
			case monitor.ScanRejected:
				fmt.Println(ev.Reject.SourceKey, "rejected:", ev.Reject.Reason)
			case monitor.SourceStatus:
				fmt.Println(ev.Status.Source, ev.Status.State, ev.Status.Pending, "pending")
			}
		}
	}()
	if err := m.Run(ctx); err != nil { // until stop() is called
		log.Fatal(err)
	}
}
