package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Preference keys kept in the Fyne app's preferences.
const (
	prefTheme    = "console.theme" // "light", "dark" or "" for the system's
	prefWidth    = "console.window.width"
	prefHeight   = "console.window.height"
	prefOperator = "console.operator"
)

// forcedTheme is the default theme with the variant fixed to light or dark.
type forcedTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// Color implements fyne.Theme.
func (t forcedTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// applyTheme sets the app theme from the preference.
func applyTheme(a fyne.App, name string) {
	switch name {
	case "light":
		a.Settings().SetTheme(forcedTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(forcedTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// currentDark reports whether the console shows the dark variant now.
func (c *Console) currentDark() bool {
	switch c.app.Preferences().String(prefTheme) {
	case "light":
		return false
	case "dark":
		return true
	}
	return c.app.Settings().ThemeVariant() == theme.VariantDark
}

// ToggleTheme switches between light and dark and remembers the choice.
func (c *Console) ToggleTheme() {
	name := "dark"
	if c.currentDark() {
		name = "light"
	}
	c.app.Preferences().SetString(prefTheme, name)
	applyTheme(c.app, name)
}

// RestoreWindow applies the remembered theme and window size, and saves
// the size again when the window closes. Fyne does not expose the window
// position, so the window manager places it.
func RestoreWindow(a fyne.App, w fyne.Window) {
	p := a.Preferences()
	applyTheme(a, p.String(prefTheme))
	width, height := p.FloatWithFallback(prefWidth, 1400), p.FloatWithFallback(prefHeight, 880)
	w.Resize(fyne.NewSize(float32(max(width, 640)), float32(max(height, 480))))
	w.SetOnClosed(func() { saveWindowSize(a, w) })
}

func saveWindowSize(a fyne.App, w fyne.Window) {
	s := w.Canvas().Size()
	if s.Width >= 320 && s.Height >= 240 {
		a.Preferences().SetFloat(prefWidth, float64(s.Width))
		a.Preferences().SetFloat(prefHeight, float64(s.Height))
	}
}

// AskOperator asks who is at the console at the start of a shift, with
// the last name entered filled in. The answer goes into every audit row.
func (c *Console) AskOperator() {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("Your name")
	last := c.app.Preferences().String(prefOperator)
	if c.id.Operator != "" {
		last = c.id.Operator
	}
	entry.SetText(last)
	entry.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errOperatorEmpty
		}
		return nil
	}
	items := []*widget.FormItem{widget.NewFormItem("Operator", entry)}
	d := dialog.NewForm("Start shift", "Start", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		name := strings.TrimSpace(entry.Text)
		c.app.Preferences().SetString(prefOperator, name)
		c.SetOperator(name)
	}, c.win)
	entry.OnSubmitted = func(string) {
		if entry.Validate() == nil {
			d.Submit()
		}
	}
	d.Resize(fyne.NewSize(380, 160))
	d.Show()
	c.win.Canvas().Focus(entry)
	c.operatorForm = d
	c.operatorEntry = entry
}

type consoleError string

func (e consoleError) Error() string { return string(e) }

const errOperatorEmpty = consoleError("enter the operator's name: it is recorded with every override")
