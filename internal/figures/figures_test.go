package figures

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/train"
)

func ksweepReport(t *testing.T, lastK1 float64) train.KSweepReport {
	t.Helper()
	curve := func(k float32, rates ...float64) train.SSTCurve {
		c := train.SSTCurve{Format: train.SSTCurveFormat, K: k, Depth: 3, EvalN: 256, Seed: 1}
		for i, r := range rates {
			c.Points = append(c.Points, train.CurvePoint{Step: 20 * i, MajorRate: r})
		}
		return c
	}
	rep, err := train.KSweep([]string{"a", "b"}, []train.SSTCurve{curve(4, 0.5, 0.97, 1), curve(1, 0.5, 0.8, lastK1)}, 0.95, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func pcaReport() engine.PCAReport {
	return engine.PCAReport{N: 2, Seed: 1, Task: "tree", Latents: 4, Explained: []float64{0.4, 0.3},
		Cloud: [][2]float64{{0, 0}, {1, 1}, {-1, 0.5}, {0.5, -1}},
		Points: []engine.PCAPoint{{Step: 1, Token: 3, Sym: "D", X: 0, Y: 0}, {Step: 2, Token: 4, Sym: "E", X: 1, Y: 1},
			{Problem: -1, Token: 3, Sym: "D", X: 0.1, Y: 0.2}, {Problem: -1, Token: 30, Sym: "[EOS]", X: -0.5, Y: 0.7}}}
}

func ablReport() engine.AblationReport {
	lanes := func(a, b, s float64) []engine.AblationLane {
		return []engine.AblationLane{{Lane: "mono", Applies: true, Correct: a, Switched: s}, {Lane: "dual", Applies: true, Correct: b, Switched: s}}
	}
	return engine.AblationReport{N: 10, Task: "tree", Rows: []engine.AblationRow{
		{Condition: engine.AblClean, Lanes: lanes(1, 1, 0)}, {Condition: engine.AblRandomUnit, Lanes: lanes(0, 0.1, 0)},
		{Condition: engine.AblOtherProblem, Lanes: lanes(0, 0, 0.9)}}}
}

func contReport() engine.ContainmentReport {
	lanes := []engine.LaneInfo{{Name: "dual", Label: "dual-talker"}, {Name: "baseline", Label: "baseline"}}
	row := func(s int, pd, pb float64) engine.ContainmentRow {
		return engine.ContainmentRow{Step: s, Lanes: []engine.LaneRate{{Lane: "baseline", Forced: true, Propagated: pb}, {Lane: "dual", Forced: true, Propagated: pd}, {Lane: "mono", Exact: 1}}}
	}
	sweep := func(l float64, e float64) engine.SweepRow {
		return engine.SweepRow{Level: l, Lanes: []engine.SweepLane{{Lane: "dual", Exact: e}, {Lane: "baseline", Exact: e / 2}}}
	}
	return engine.ContainmentReport{N: 5, Task: "tree", Lanes: lanes, Injected: []engine.ContainmentRow{row(1, 0.2, 0.9), row(2, 0.1, 0.8)},
		Corruption: []engine.SweepRow{sweep(0, 1), sweep(0.1, 0.8)}, Noise: []engine.SweepRow{sweep(0, 1), sweep(0.05, 0.9)}}
}

// svgText collects an SVG's text and counts its elements by name.
func svgText(t *testing.T, b []byte) (string, map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var text strings.Builder
	count := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			count[v.Name.Local]++
		case xml.CharData:
			text.Write(v)
			text.WriteByte('\n')
		}
	}
	return text.String(), count
}

func TestSVGStructure(t *testing.T) {
	for _, c := range []struct {
		name  string
		fig   Figure
		texts []string
	}{
		{"pca", PCA(pcaReport()), []string{"PC1 (40.0% of variance)", "PC2 (30.0% of variance)", "r1", "r2", "[EOS]", "vocabulary (target table, normalised)", "Route latents and vocabulary"}},
		{"ablations", Ablations(ablReport()), []string{"what the Talker decodes", "rate", "clean", "random unit", "other problem", "mono correct", "dual switched to the other answer"}},
		{"ksweep", KSweep(ksweepReport(t, 0.98)), []string{"SST step", "correct major contributor rate", "k = 1", "k = 4", "paper: k = 1 plateaus near 0.98", "depth 3, 256 trees"}},
		{"containment", Containment(contReport()), []string{"route step", "propagated (fraction of problems)", "Input corruption", "Latent noise at every step", "prompt letters replaced (%)", "σ (% of max |component|)", "dual-talker", "baseline"}},
	} {
		var a, b bytes.Buffer
		if err := c.fig.WriteTo(&a, SVG); err != nil {
			t.Fatal(err)
		}
		if err := c.fig.WriteTo(&b, SVG); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renderings differ", c.name)
		}
		text, count := svgText(t, a.Bytes())
		if count["svg"] != 1 || count["text"] < len(c.texts) || count["path"] < 5 {
			t.Errorf("%s: elements %v", c.name, count)
		}
		for _, want := range c.texts {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no text %q in\n%s", c.name, want, text)
			}
		}
	}
	// The data move the picture: another report gives another SVG.
	var a, b bytes.Buffer
	r := pcaReport()
	_ = PCA(r).WriteTo(&a, SVG)
	r.Points[0].X = 0.7
	_ = PCA(r).WriteTo(&b, SVG)
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("moving a point did not change the SVG")
	}
	a.Reset()
	b.Reset()
	_ = KSweep(ksweepReport(t, 0.98)).WriteTo(&a, SVG)
	_ = KSweep(ksweepReport(t, 0.9)).WriteTo(&b, SVG)
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("moving a k sweep point did not change the SVG")
	}
}

func TestWritePNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.png")
	if err := Ablations(ablReport()).Write(path, PNG); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
		t.Errorf("PNG of %v", b)
	}
	if err := PCA(pcaReport()).Write(filepath.Join(t.TempDir(), "no", "such", "dir.svg"), SVG); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
	if err := PCA(pcaReport()).WriteTo(io.Discard, "pdf"); err == nil {
		t.Error("an unknown format was accepted")
	}
}
