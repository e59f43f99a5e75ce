package app

import (
	"context"
	"io"

	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// runConsole opens the operator console window and blocks until it closes.
func runConsole(ctx context.Context, _ []string, stderr io.Writer) int {
	a := fyneapp.NewWithID("io.gradewatch.console")
	w := a.NewWindow("Gradewatch")
	w.SetContent(widget.NewLabel("Gradewatch: the console is not built yet."))
	go func() {
		<-ctx.Done()
		a.Quit()
	}()
	w.ShowAndRun()
	return 0
}
