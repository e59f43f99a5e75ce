// Package monitor watches the source tables, each on its own poll interval,
// turns every new scan into an image, grades it and records the result
// exactly once.
package monitor
