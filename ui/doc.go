// Package ui is Gradewatch's operator console, built with Fyne. It declares
// the small interfaces it needs from the rest of the application and changes
// widgets only through one adapter that uses fyne.Do.
package ui
