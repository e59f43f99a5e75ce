// Command gradewatch is the shop-floor quality grading console.
//
// With no arguments it opens the operator console (on a demo workspace when
// nothing is configured); subcommands such as "version" work without a display.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gradewatch/gradewatch/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
