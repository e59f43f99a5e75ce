package inference

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

// Metadata keys read from the ONNX metadata_props, with the same meaning
// as the keys of the sidecar JSON file.
const (
	MetaLabels     = "gradewatch.labels"     // JSON array of class names
	MetaPreprocess = "gradewatch.preprocess" // JSON object, see Preprocess
	MetaOutput     = "gradewatch.output"     // "logits" or "probabilities"
	// MetaTemperature is a JSON number T > 0: logits are divided by T
	// before the softmax (temperature scaling, Guo et al. 2017, "On
	// Calibration of Modern Neural Networks"), so that confidences of a
	// model with huge logits are calibrated. Default 1.
	MetaTemperature = "gradewatch.temperature"
)

// Output kinds of a classifier.
const (
	OutputLogits        = "logits"
	OutputProbabilities = "probabilities"
)

// Preprocess says how an Image becomes the model's input:
// input = (pix*Scale - Mean[c]) / Std[c], laid out as Layout at
// Width x Height with Channels channels (a grey image is repeated into
// every channel).
type Preprocess struct {
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Channels int       `json:"channels"`
	Layout   string    `json:"layout"` // "NCHW" or "NHWC"
	Scale    float32   `json:"scale"`
	Mean     []float32 `json:"mean"`
	Std      []float32 `json:"std"`
}

// sidecar is the JSON file beside a model (model.json for model.onnx).
type sidecar struct {
	Labels      []string    `json:"labels"`
	Preprocess  *Preprocess `json:"preprocess"`
	Output      string      `json:"output"`
	Temperature *float32    `json:"temperature"`
}

func strictJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}

// readMeta merges the model's metadata_props with the sidecar JSON; the
// sidecar wins where both give a value.
func readMeta(m *onnx.Model, side []byte) (sidecar, error) {
	var s sidecar
	if v, ok := m.MetadataValue(MetaLabels); ok {
		if err := strictJSON([]byte(v), &s.Labels); err != nil {
			return s, fmt.Errorf("metadata %s must be a JSON array of strings: %w", MetaLabels, err)
		}
	}
	if v, ok := m.MetadataValue(MetaPreprocess); ok {
		s.Preprocess = &Preprocess{}
		if err := strictJSON([]byte(v), s.Preprocess); err != nil {
			return s, fmt.Errorf("metadata %s must be a JSON object with width, height, channels, layout, scale, mean, std: %w", MetaPreprocess, err)
		}
	}
	if v, ok := m.MetadataValue(MetaOutput); ok {
		s.Output = v
	}
	if v, ok := m.MetadataValue(MetaTemperature); ok {
		s.Temperature = new(float32)
		if err := strictJSON([]byte(v), s.Temperature); err != nil {
			return s, fmt.Errorf("metadata %s must be a JSON number: %w", MetaTemperature, err)
		}
	}
	if len(side) > 0 {
		var f sidecar
		if err := strictJSON(side, &f); err != nil {
			return s, fmt.Errorf("sidecar JSON (keys labels, preprocess, output): %w", err)
		}
		if f.Labels != nil {
			s.Labels = f.Labels
		}
		if f.Preprocess != nil {
			s.Preprocess = f.Preprocess
		}
		if f.Output != "" {
			s.Output = f.Output
		}
		if f.Temperature != nil {
			s.Temperature = f.Temperature
		}
	}
	if t := s.Temperature; t != nil && !(*t > 0 && *t < float32(math.Inf(1))) {
		return s, fmt.Errorf("temperature %g must be a positive number (1 leaves logits as they are)", *t)
	}
	switch s.Output {
	case "", OutputLogits, OutputProbabilities:
	default:
		return s, fmt.Errorf("output %q must be %q or %q", s.Output, OutputLogits, OutputProbabilities)
	}
	return s, nil
}

// resolvePreprocess fills defaults from the model's input shape and checks
// the given values against it.
func resolvePreprocess(given *Preprocess, in inputSpec) (Preprocess, error) {
	var p Preprocess
	if given != nil {
		p = *given
		p.Mean = append([]float32(nil), given.Mean...)
		p.Std = append([]float32(nil), given.Std...)
	}
	s := in.shape
	var layout string
	var c, h, w int
	switch len(s) {
	case 4:
		layout = p.Layout
		if layout == "" {
			layout = "NCHW"
			if (s[3] == 1 || s[3] == 3) && s[1] != 1 && s[1] != 3 {
				layout = "NHWC"
			}
		}
		switch layout {
		case "NCHW":
			c, h, w = s[1], s[2], s[3]
		case "NHWC":
			h, w, c = s[1], s[2], s[3]
		default:
			return p, fmt.Errorf("preprocess layout %q must be NCHW or NHWC", layout)
		}
	case 3: // [N, H, W]
		layout, c, h, w = "NHW", 1, s[1], s[2]
	case 2: // [N, features]: a flattened square image
		layout, c = "NF", 1
		h, w = p.Height, p.Width
		if h == 0 || w == 0 {
			side := 1
			for side*side < s[1] {
				side++
			}
			if side*side != s[1] {
				return p, fmt.Errorf("input %q has shape %v; give preprocess width and height whose product is %d", in.name, s, s[1])
			}
			h, w = side, side
		}
		if h*w != s[1] {
			return p, fmt.Errorf("preprocess %dx%d does not match input %q of %d features", w, h, in.name, s[1])
		}
	default:
		return p, fmt.Errorf("input %q has rank %d; an image classifier needs rank 2, 3 or 4", in.name, len(s))
	}
	if c <= 0 || h <= 0 || w <= 0 {
		return p, fmt.Errorf("input %q has shape %v with symbolic image dimensions; the engine needs fixed height, width and channels", in.name, s)
	}
	check := func(name string, got *int, want int) error {
		if *got == 0 {
			*got = want
		} else if *got != want {
			return fmt.Errorf("preprocess %s %d does not match the model input %q (%v): want %d", name, *got, in.name, s, want)
		}
		return nil
	}
	if err := check("width", &p.Width, w); err != nil {
		return p, err
	}
	if err := check("height", &p.Height, h); err != nil {
		return p, err
	}
	if err := check("channels", &p.Channels, c); err != nil {
		return p, err
	}
	p.Layout = layout
	if p.Scale == 0 {
		p.Scale = 1
	}
	if p.Scale < 0 {
		return p, fmt.Errorf("preprocess scale %g must be positive", p.Scale)
	}
	fix := func(name string, v []float32, def float32) ([]float32, error) {
		switch len(v) {
		case 0:
			v = []float32{def}
		case 1, p.Channels:
		default:
			return nil, fmt.Errorf("preprocess %s has %d values; want 1 or %d (one per channel)", name, len(v), p.Channels)
		}
		if len(v) == 1 && p.Channels > 1 {
			for len(v) < p.Channels {
				v = append(v, v[0])
			}
		}
		return v, nil
	}
	var err error
	if p.Mean, err = fix("mean", p.Mean, 0); err != nil {
		return p, err
	}
	if p.Std, err = fix("std", p.Std, 1); err != nil {
		return p, err
	}
	for _, sd := range p.Std {
		if sd == 0 {
			return p, fmt.Errorf("preprocess std must not be 0")
		}
	}
	return p, nil
}
