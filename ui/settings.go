package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SourceSetting is the part of a source's configuration that the console
// edits.
type SourceSetting struct {
	Name     string
	Table    string // shown, not edited
	Interval time.Duration
}

// SettingsValues are the settings the console shows and edits.
type SettingsValues struct {
	Sources         []SourceSetting
	ReviewThreshold float32
	ImageFolder     string
	ModelPath       string
	Database        string // a description of the connection, never a password
}

// SettingsService reads and changes the running configuration.
type SettingsService interface {
	// Settings returns the current values.
	Settings(ctx context.Context) (SettingsValues, error)
	// SaveSettings validates and applies v: intervals take effect on the
	// next poll cycle, without a restart.
	SaveSettings(ctx context.Context, v SettingsValues) error
	// TestConnection opens and pings the database.
	TestConnection(ctx context.Context) error
	// CheckModel validates a model file without loading it into service.
	CheckModel(ctx context.Context, path string) (name string, sha256 string, err error)
	// RestorePreviousModel swaps the model that ran before the current one
	// back in.
	RestorePreviousModel(ctx context.Context) error
	// PINRequired reports whether settings are behind a supervisor PIN;
	// CheckPIN compares a PIN with the stored hash.
	PINRequired() bool
	CheckPIN(pin string) bool
}

// settingsView is the settings screen, behind the supervisor PIN.
type settingsView struct {
	c    *Console
	root fyne.CanvasObject
}

func newSettingsView(c *Console) *settingsView {
	v := &settingsView{c: c}
	if c.opt.Settings == nil {
		l := widget.NewLabel("Settings are not available: the console runs without a configuration service.")
		l.Wrapping = fyne.TextWrapWord
		v.root = container.NewPadded(l)
		return v
	}
	v.root = container.NewPadded(widget.NewLabel("Settings"))
	return v
}
