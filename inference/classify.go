package inference

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// Image is one grey plane, row-major, with values normally in [0, 1]
// (0 = dark / low).
type Image struct {
	Width, Height int
	Pix           []float32
}

// Prediction is the grade of one image: the most probable class, its
// label and probability, and the probabilities of all classes.
type Prediction struct {
	Index      int
	Label      string
	Confidence float32
	Probs      []float32
}

// Classify grades images: each is resized (bilinear) to the model's input
// size if needed and preprocessed, the batch is run across the model's
// threads, and the output becomes probabilities (softmax of logits divided
// by Info().Temperature, unless the model outputs probabilities). It is
// safe for concurrent use.
func (m *Model) Classify(ctx context.Context, imgs []Image) ([]Prediction, error) {
	pp := m.info.Preprocess
	if pp.Width == 0 || m.inSize == 0 {
		return nil, fmt.Errorf("classify: model input %v is not an image input with a batch dimension", m.info.Inputs[0].Shape)
	}
	if m.inSize != pp.Width*pp.Height*pp.Channels {
		return nil, fmt.Errorf("classify: model input has %d values per image, preprocessing gives %d", m.inSize, pp.Width*pp.Height*pp.Channels)
	}
	in := make([]float32, len(imgs)*m.inSize)
	var plane []float32
	for k, img := range imgs {
		if img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height {
			return nil, fmt.Errorf("classify: image %d is %dx%d with %d pixels; want width*height pixels", k, img.Width, img.Height, len(img.Pix))
		}
		for i, v := range img.Pix {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("classify: image %d pixel %d (x %d, y %d) is %g; pixels must be finite", k, i, i%img.Width, i/img.Width, v)
			}
		}
		src := img.Pix
		if img.Width != pp.Width || img.Height != pp.Height {
			if plane == nil {
				plane = make([]float32, pp.Width*pp.Height)
			}
			resizeBilinear(plane, pp.Width, pp.Height, img.Pix, img.Width, img.Height)
			src = plane
		}
		fill(in[k*m.inSize:(k+1)*m.inSize], src, pp)
	}
	out := make([]float32, len(imgs)*m.outSize)
	if err := m.Infer(ctx, in, len(imgs), out); err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	preds := make([]Prediction, len(imgs))
	for k := range preds {
		probs := out[k*m.outSize : (k+1)*m.outSize : (k+1)*m.outSize]
		if m.info.Output == OutputLogits {
			if t := m.info.Temperature; t != 1 {
				for c := range probs {
					probs[c] /= t
				}
			}
			softmaxInPlace(probs)
		}
		best := 0
		for c, p := range probs {
			if p > probs[best] {
				best = c
			}
		}
		label := strconv.Itoa(best)
		if best < len(m.info.Labels) {
			label = m.info.Labels[best]
		}
		preds[k] = Prediction{Index: best, Label: label, Probs: probs}
		if len(probs) > 0 {
			preds[k].Confidence = probs[best]
		}
	}
	return preds, nil
}

// fill writes one preprocessed image (a grey plane of the model's size)
// into dst in the model's layout.
func fill(dst, plane []float32, pp Preprocess) {
	hw := pp.Width * pp.Height
	for c := 0; c < pp.Channels; c++ {
		mean, inv := pp.Mean[c], 1/pp.Std[c]
		for k, v := range plane {
			x := (v*pp.Scale - mean) * inv
			if pp.Layout == "NHWC" {
				dst[k*pp.Channels+c] = x
			} else {
				dst[c*hw+k] = x
			}
		}
	}
}

// resizeBilinear scales src (sw x sh) into dst (dw x dh), sampling pixel
// centres (the convention of PIL and OpenCV's INTER_LINEAR).
func resizeBilinear(dst []float32, dw, dh int, src []float32, sw, sh int) {
	sx, sy := float64(sw)/float64(dw), float64(sh)/float64(dh)
	for y := 0; y < dh; y++ {
		fy := (float64(y)+0.5)*sy - 0.5
		y0, wy := clampFloor(fy, sh)
		y1 := min(y0+1, sh-1)
		for x := 0; x < dw; x++ {
			fx := (float64(x)+0.5)*sx - 0.5
			x0, wx := clampFloor(fx, sw)
			x1 := min(x0+1, sw-1)
			a := float64(src[y0*sw+x0])*(1-wx) + float64(src[y0*sw+x1])*wx
			b := float64(src[y1*sw+x0])*(1-wx) + float64(src[y1*sw+x1])*wx
			dst[y*dw+x] = float32(a*(1-wy) + b*wy)
		}
	}
}

// clampFloor returns floor(f) clamped to [0, n-1] and the fractional
// weight of the next sample.
func clampFloor(f float64, n int) (int, float64) {
	if f <= 0 {
		return 0, 0
	}
	i := int(f)
	if i >= n-1 {
		return n - 1, 0
	}
	return i, f - float64(i)
}

// softmaxInPlace turns logits into probabilities.
func softmaxInPlace(x []float32) {
	if len(x) == 0 {
		return
	}
	mx := x[0]
	for _, v := range x {
		if v > mx {
			mx = v
		}
	}
	var sum float64
	for k, v := range x {
		e := math.Exp(float64(v - mx))
		x[k] = float32(e)
		sum += e
	}
	for k := range x {
		x[k] = float32(float64(x[k]) / sum)
	}
}
