// Package console starts the operator console (package ui) on a workspace
// and adapts the workspace to the console's interfaces: results and
// overrides from storage, scans reloaded from images or source rows, ad
// hoc grading with the running model, monitor events, and the settings
// screen's view of the configuration file.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/instance"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/ui"
)

// consoleAppID identifies the console to Fyne (preferences, notifications).
const consoleAppID = "io.gradewatch.console"

// Run opens the operator console on the workspace of the configuration
// file configPath ("": the demo workspace in the user's configuration
// folder) and blocks until the window closes or ctx is done. It returns the
// process exit code.
func Run(ctx context.Context, configPath string, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	lockDir, err := workspace.DefaultDir()
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch: %v\n", err)
		return 1
	}
	lock, err := instance.Acquire(ctx, lockDir)
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintf(stderr, "gradewatch: %v\n", err)
		return 0
	}
	if err != nil {
		// Not being able to check is no reason to refuse to start.
		fmt.Fprintf(stderr, "gradewatch: %v; starting anyway\n", err)
	}

	a := fyneapp.NewWithID(consoleAppID)
	w := a.NewWindow("Gradewatch")
	ui.RestoreWindow(a, w)

	path, _, err := workspace.Ensure(ctx, configPath)
	var ws *workspace.Workspace
	if err == nil {
		ws, err = workspace.Open(ctx, path)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch: %v\n", err)
		showStartupError(ctx, a, w, err)
		return 1
	}
	defer ws.Close()

	var bg sync.WaitGroup
	c := ui.New(a, w, consoleOptions(ws, func(f func(context.Context)) { bg.Go(func() { f(ctx) }) }))
	w.SetContent(c.Content())
	w.SetTitle("Gradewatch · " + filepath.Base(filepath.Dir(path)))
	wire(ctx, &bg, c, ws, lock)
	c.Start(ctx)
	a.Lifecycle().SetOnStarted(func() {
		// Asked once the window is up, so that the name field has the
		// keyboard.
		if c.Identity().Operator == "" {
			c.AskOperator()
		}
	})
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	cancel()
	bg.Wait()
	return 0
}

// consoleOptions builds the console's view of the workspace.
func consoleOptions(ws *workspace.Workspace, goFn func(func(context.Context))) ui.Options {
	cfg := ws.Config
	return ui.Options{
		Store:           consoleStore{ws.Store},
		Loader:          newScanLoader(ws.Store, cfg),
		Grader:          modelGrader{current: ws.Models.Current},
		Decoder:         newImageDecoder(cfg),
		Saver:           adhocSaver{st: ws.Store, imageDir: imageDir(cfg)},
		Settings:        newConsoleSettings(ws),
		Identity:        identity(cfg),
		ReviewThreshold: float32(cfg.Review.Threshold),
		PassGrades:      cfg.Review.PassGrades,
		Reasons:         cfg.Operator.Reasons,
		Go:              goFn,
	}
}

// imageDir is the folder scan images are saved in, "" when saving is off.
func imageDir(cfg *config.Config) string {
	if !cfg.Images.Enabled {
		return ""
	}
	return cfg.ImageFolder()
}

// identity is who the audit rows name: the OS account, the workstation
// (from the configuration or the host name) and the operator, asked for at
// shift start.
func identity(cfg *config.Config) ui.Identity {
	id := ui.Identity{Workstation: cfg.Operator.Workstation}
	if u, err := user.Current(); err == nil {
		id.OSUser = u.Username
	}
	if id.Workstation == "" {
		id.Workstation, _ = os.Hostname()
	}
	return id
}

// wire starts the goroutines that feed the console: the monitor's events,
// model changes, database health, the demo line and raise requests from a
// second instance. All stop when ctx is done; bg waits for them.
func wire(ctx context.Context, bg *sync.WaitGroup, c *ui.Console, ws *workspace.Workspace, lock *instance.Lock) {
	if m := ws.Models.Current(); m != nil {
		info := m.Info()
		c.Post(ui.ModelChanged{Name: info.Name, SHA256: info.SHA256, Labels: info.Labels})
	} else if ws.ModelErr != nil {
		c.Post(ui.ModelChanged{Err: ws.ModelErr.Error()})
	}
	ws.Models.OnChange(func(mc workspace.ModelChange) {
		if mc.Err != nil {
			c.Post(ui.ModelChanged{Err: mc.Err.Error()})
			return
		}
		c.Post(ui.ModelChanged{Name: mc.Current.Name, SHA256: mc.Current.SHA256, Labels: mc.Current.Labels})
	})
	if ws.Monitor != nil {
		sub := ws.Monitor.Subscribe(ctx, 16384)
		bg.Go(func() {
			for ev := range sub.C {
				if uev, ok := uiEvent(ev); ok {
					c.Post(uev)
				}
			}
		})
	} else {
		c.Post(ui.Notice{Text: "No source is enabled in the configuration: nothing is graded."})
	}
	bg.Go(func() {
		if err := ws.Run(ctx); err != nil && ctx.Err() == nil {
			c.Post(ui.Notice{Text: "Grading stopped: " + err.Error()})
		}
	})
	bg.Go(func() { watchDatabase(ctx, c, ws) })
	if ws.Config.Demo {
		bg.Go(func() {
			demo.SimulateLine(ctx, ws.Store, demo.DefaultLineRate, func(err error) {
				c.Post(ui.Notice{Text: "Demo line: " + err.Error()})
			})
		})
	}
	if lock != nil {
		bg.Go(func() {
			for range lock.Raise {
				c.Post(ui.RaiseWindow{})
			}
		})
	}
}

// dbCheckEvery is how often the console checks the database connection;
// dbDownAfter failed checks in a row count as the database being down, so
// that one ping stuck behind a long write (SQLite under a backlog) does not
// raise a false alarm.
const (
	dbCheckEvery = 5 * time.Second
	dbDownAfter  = 3
)

// watchDatabase pings the database and reports each change of its state.
func watchDatabase(ctx context.Context, c *ui.Console, ws *workspace.Workspace) {
	t := time.NewTicker(dbCheckEvery)
	defer t.Stop()
	failures := 0
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*dbCheckEvery)
		err := ws.Store.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			failures = 0
			c.Post(ui.DatabaseState{Connected: true})
		case failures+1 >= dbDownAfter:
			failures++
			c.Post(ui.DatabaseState{Err: err.Error()})
		default:
			failures++
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// showStartupError shows why the workspace could not be opened, in the
// window, until the operator closes it.
func showStartupError(ctx context.Context, a fyne.App, w fyne.Window, err error) {
	msg := widget.NewLabel(fmt.Sprintf("Gradewatch could not start:\n\n%v\n\nFix the configuration and start again.", err))
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewPadded(container.NewVScroll(msg)))
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
}
