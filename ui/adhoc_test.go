package ui

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/gradewatch/gradewatch/monitor/scan"
)

// scanDecoder decodes with monitor/scan's image decoder, as the app's
// decoder does; layouts maps source names to their normalisation range
// (hi of a "fixed" 0..hi), and no sources means the default layout.
type scanDecoder struct {
	names []string
	hi    map[string]float64
	asked *[]string // sources DecodeImage was called with
}

func (d scanDecoder) Sources() []string { return d.names }

func (d scanDecoder) DecodeImage(source string, r io.Reader) (Scan, error) {
	if d.asked != nil {
		*d.asked = append(*d.asked, source)
	}
	l := scan.DefaultImageLayout
	if hi, ok := d.hi[source]; ok {
		l = scan.ImageLayout(scan.Layout{Format: scan.FormatBlob, Normalize: scan.Normalization{Mode: scan.NormFixed, Lo: 0, Hi: hi}})
	} else if len(d.names) > 0 {
		return Scan{}, fmt.Errorf("source %q is not configured", source)
	}
	m, _, err := scan.DecodeImageFile(l, r)
	return Scan{Width: m.Width, Height: m.Height, Pix: m.Pix}, err
}

// Ad hoc grading decodes with the chosen source's layout, the first source
// by default, so an image is normalised as that line normalises its scans.
func TestAdhocUsesChosenSourceLayout(t *testing.T) {
	var asked []string
	dec := scanDecoder{names: []string{"line1", "line2"}, hi: map[string]float64{"line1": 255, "line2": 510}, asked: &asked}
	tests := []struct {
		choose string // "" keeps the default
		source string
		want   float32 // the value of the 255 bar
	}{
		{"", "line1", 1},
		{"line2", "line2", 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			e := newTestEnv(t, fyne.NewSize(1280, 800))
			e.c.opt.Grader = fakeGrader{}
			e.c.opt.Decoder = dec
			e.c.adhoc = newAdhocView(e.c)
			v := e.c.adhoc
			if got := v.source.Options; len(got) != 2 || v.source.Selected != "line1" {
				t.Fatalf("source choice = %v, selected %q; want [line1 line2] with line1", got, v.source.Selected)
			}
			if tt.choose != "" {
				v.source.SetSelected(tt.choose)
			}
			asked = nil
			v.gradeReader("digit.png", io.NopCloser(bytes.NewReader(pngBytes(t))))
			e.q.drain()
			if len(asked) != 1 || asked[0] != tt.source {
				t.Errorf("decoded as %v; want [%s]", asked, tt.source)
			}
			if got := v.detail.view.scan.At(14, 10); got != tt.want {
				t.Errorf("value of the bar = %v; want %v (%s's normalisation)", got, tt.want, tt.source)
			}
		})
	}
}
