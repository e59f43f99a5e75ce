// Package demo holds Gradewatch's demo workspace: real handwritten digits
// from the MNIST test set standing in for scans, the ONNX model zoo's
// mnist-8 classifier, the configuration of a simulated line with two
// source tables on the embedded database, those tables (tables.go, made
// with storage's generic CreateTable and InsertTx) and the simulated line
// that fills them (line.go). Provenance and licenses of the bundled files
// are in NOTICE.md.
package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"github.com/gradewatch/gradewatch/app/config"
)

var (
	//go:embed t10k-images-idx3-ubyte.gz
	mnistImages []byte
	//go:embed t10k-labels-idx1-ubyte.gz
	mnistLabels []byte
	//go:embed mnist-8.onnx
	modelONNX []byte
	//go:embed mnist-8.json
	modelSidecar []byte
	//go:embed NOTICE.md
	notice []byte
)

// Files of the demo model as written into a workspace.
const (
	modelFile   = "mnist-8.onnx"
	SidecarFile = "mnist-8.json"
	noticeFile  = "NOTICE.md"
	ModelFolder = "model"
)

var (
	digitsOnce sync.Once
	digits     []digit
	digitsErr  error
)

// allDigits returns the 10,000 digits of the MNIST test set, decoded once.
// The slice is shared: do not change it.
func allDigits() ([]digit, error) {
	digitsOnce.Do(func() { digits, digitsErr = readIDX(mnistImages, mnistLabels) })
	return digits, digitsErr
}

// ModelONNX returns the bytes of the bundled mnist-8 model.
func ModelONNX() []byte { return modelONNX }

// ModelSidecar returns the bundled model's sidecar JSON (labels and
// preprocessing).
func ModelSidecar() []byte { return modelSidecar }

// WriteModel writes the bundled model, its sidecar and the license notice
// into dir/model and returns the model file's path. Existing files are
// replaced.
func WriteModel(dir string) (string, error) {
	folder := filepath.Join(dir, ModelFolder)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", fmt.Errorf("write demo model: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{modelFile, modelONNX}, {SidecarFile, modelSidecar}, {noticeFile, notice}} {
		if err := os.WriteFile(filepath.Join(folder, f.name), f.data, 0o644); err != nil {
			return "", fmt.Errorf("write demo model: %w", err)
		}
	}
	return filepath.Join(folder, modelFile), nil
}

// RefreshModel brings the bundled model's sidecar and notice in dir/model
// up to date when the model file there is still the bundled one, so that
// a demo workspace made by an older Gradewatch gets, for example, a newer
// calibration. A model the user replaced is left alone. It reports
// whether anything was rewritten.
func RefreshModel(dir string) (bool, error) {
	folder := filepath.Join(dir, ModelFolder)
	onnx, err := os.ReadFile(filepath.Join(folder, modelFile))
	if err != nil || !bytes.Equal(onnx, modelONNX) {
		return false, nil
	}
	changed := false
	for _, f := range []struct {
		name string
		data []byte
	}{{SidecarFile, modelSidecar}, {noticeFile, notice}} {
		path := filepath.Join(folder, f.name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.data) {
			continue
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return changed, fmt.Errorf("refresh demo model: %w", err)
		}
		changed = true
	}
	return changed, nil
}

// Intervals of the demo sources, like the seed system's two lines.
const (
	blobInterval   = "10s"
	pointsInterval = "30s"
)

// Config returns the demo workspace's configuration: the embedded database
// gradewatch.db, the blob source polled every 10 s and the points source
// polled every 30 s, the bundled model and an image folder, all relative
// to the workspace folder.
func Config() *config.Config {
	c := config.Default("")
	c.Demo = true
	c.Database = config.Database{Driver: "sqlite", DSN: config.DefaultSQLiteDSN}
	blob, points := Sources(DefaultTables())
	fixed := config.Normalisation{Kind: "fixed", Min: ptr(0), Max: ptr(255)}
	c.Sources = []config.Source{
		{
			Name: blob.Name, Table: blob.Table, Key: blob.KeyColumn, Mode: string(blob.Mode),
			Columns:  config.Columns{Payload: blob.PayloadColumn, CreatedAt: blob.CreatedAtColumn},
			Metadata: append([]string(nil), blob.MetadataColumns...),
			Layout:   config.Layout{Kind: "blob", DType: "uint8", Normalisation: fixed},
			Width:    Side, Height: Side,
			Interval: blobInterval, BatchSize: config.DefaultBatchSize,
		},
		{
			Name: points.Name, Table: points.Table, Key: points.KeyColumn, Mode: string(points.Mode),
			Columns:  config.Columns{CreatedAt: points.CreatedAtColumn},
			Metadata: append([]string(nil), points.MetadataColumns...),
			Layout:   config.Layout{Kind: "points", Normalisation: fixed},
			Points: &config.Points{
				Table: points.Points.Table, ScanKey: points.Points.KeyColumn,
				X: points.Points.XColumn, Y: points.Points.YColumn, Value: points.Points.ValueColumn,
			},
			Width: Side, Height: Side,
			Interval: pointsInterval, BatchSize: config.DefaultBatchSize,
		},
	}
	c.Model.Path = filepath.Join(ModelFolder, modelFile)
	c.Images = config.Images{Folder: config.DefaultImageFolder, Enabled: true}
	c.Review.Threshold = config.DefaultReviewThreshold
	return c
}

func ptr(f float64) *float64 { return &f }

// Stations and products the simulated line cycles through.
var (
	stations = []string{"ST-01", "ST-02", "ST-03"}
	products = []string{"PCB-A100", "PCB-B200", "PCB-C300"}
)

// Scans returns n simulated scans: digits drawn at random from the MNIST
// test set by rng, with product, lot and station metadata and the digit's
// true label.
func randomScans(rng *rand.Rand, n int) ([]Scan, error) {
	all, err := allDigits()
	if err != nil {
		return nil, err
	}
	scans := make([]Scan, n)
	lot := fmt.Sprintf("LOT-%04d", rng.IntN(10000))
	for i := range scans {
		d := all[rng.IntN(len(all))]
		scans[i] = Scan{
			ProductID: products[rng.IntN(len(products))],
			Lot:       lot,
			Station:   stations[rng.IntN(len(stations))],
			TrueLabel: fmt.Sprint(d.Label),
			Pix:       d.Pix,
		}
	}
	return scans, nil
}
