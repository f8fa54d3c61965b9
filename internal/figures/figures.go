package figures

import (
	"fmt"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"jrx/engine"
	"jrx/internal/safeio"
	"jrx/train"
)

// Format is an output format.
type Format string

const (
	SVG Format = "svg"
	PNG Format = "png"
)

// Figure is one or more plots laid out in a grid, with a size.
type Figure struct {
	Rows [][]*plot.Plot
	W, H vg.Length
}

// WriteTo draws the figure in format f to w.
func (fig Figure) WriteTo(w io.Writer, f Format) error {
	var c vg.CanvasWriterTo
	switch f {
	case SVG:
		c = vgsvg.New(fig.W, fig.H)
	case PNG:
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(fig.W, fig.H), vgimg.UseDPI(144))}
	default:
		return fmt.Errorf("figures: unknown format %q (svg or png)", f)
	}
	dc := draw.New(c)
	if len(fig.Rows) == 1 && len(fig.Rows[0]) == 1 {
		fig.Rows[0][0].Draw(dc)
	} else {
		// Each row takes an equal share of the height and lays its plots
		// out side by side, aligned.
		n := len(fig.Rows)
		h := dc.Max.Y - dc.Min.Y
		for i, row := range fig.Rows {
			rc := dc
			rc.Max.Y = dc.Max.Y - vg.Length(i)*h/vg.Length(n)
			rc.Min.Y = rc.Max.Y - h/vg.Length(n)
			tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
				PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
			canvases := plot.Align([][]*plot.Plot{row}, tiles, rc)
			for j, p := range row {
				p.Draw(canvases[0][j])
			}
		}
	}
	_, err := c.WriteTo(w)
	return err
}

// Write writes the figure to path atomically.
func (fig Figure) Write(path string, f Format) error {
	if err := safeio.WriteFile(path, func(w io.Writer) error { return fig.WriteTo(w, f) }); err != nil {
		return fmt.Errorf("figure %s: %w", path, err)
	}
	return nil
}

// palette is a colour-blind-safe set (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255},
}

func col(i int) color.Color { return palette[i%len(palette)] }

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	p.Legend.Top = true
	return p
}

// PCA is Fig. 2: every fitted route latent (grey), problem 0's route
// latents (numbered by step, joined in order) and its hypotheses'
// normalised target-table rows (labelled by token) on the top two
// principal components.
func PCA(rep engine.PCAReport) Figure {
	pc := func(i int) string {
		if i < len(rep.Explained) {
			return fmt.Sprintf("PC%d (%.1f%% of variance)", i+1, 100*rep.Explained[i])
		}
		return fmt.Sprintf("PC%d", i+1)
	}
	p := newPlot(fmt.Sprintf("Route latents and vocabulary, %s (%d latents of %d problems)", rep.Task, rep.Latents, rep.N), pc(0), pc(1))
	cloud := make(plotter.XYs, len(rep.Cloud))
	for i, c := range rep.Cloud {
		cloud[i].X, cloud[i].Y = c[0], c[1]
	}
	if s, err := plotter.NewScatter(cloud); err == nil {
		s.GlyphStyle.Color = color.Gray{Y: 190}
		s.GlyphStyle.Radius = vg.Points(1)
		p.Add(s)
		p.Legend.Add("all route latents", s)
	}
	var route, vocab plotter.XYs
	var routeL, vocabL []string
	for _, pt := range rep.Points {
		if pt.Step > 0 {
			route = append(route, plotter.XY{X: pt.X, Y: pt.Y})
			routeL = append(routeL, fmt.Sprintf("r%d", pt.Step))
		} else {
			vocab = append(vocab, plotter.XY{X: pt.X, Y: pt.Y})
			vocabL = append(vocabL, pt.Sym)
		}
	}
	if len(route) > 0 {
		if l, s, err := plotter.NewLinePoints(route); err == nil {
			l.Color, s.Color = col(0), col(0)
			s.Shape = draw.CircleGlyph{}
			s.Radius = vg.Points(3)
			p.Add(l, s)
			p.Legend.Add("problem 0's route latents", l, s)
		}
		if lb, err := plotter.NewLabels(plotter.XYLabels{XYs: route, Labels: routeL}); err == nil {
			for i := range lb.TextStyle {
				lb.TextStyle[i].Color = col(0)
			}
			lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(4)}
			p.Add(lb)
		}
	}
	if len(vocab) > 0 {
		if s, err := plotter.NewScatter(vocab); err == nil {
			s.GlyphStyle.Color = col(1)
			s.GlyphStyle.Shape = draw.BoxGlyph{}
			s.GlyphStyle.Radius = vg.Points(3)
			p.Add(s)
			p.Legend.Add("vocabulary (target table, normalised)", s)
		}
		if lb, err := plotter.NewLabels(plotter.XYLabels{XYs: vocab, Labels: vocabL}); err == nil {
			for i := range lb.TextStyle {
				lb.TextStyle[i].Color = col(1)
			}
			lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(-8)}
			p.Add(lb)
		}
	}
	return Figure{Rows: [][]*plot.Plot{{p}}, W: 16 * vg.Centimeter, H: 13 * vg.Centimeter}
}

// groupedBars adds one bar chart per series over the nominal categories.
func groupedBars(p *plot.Plot, cats []string, series []string, val func(s, c int) float64) {
	w := vg.Points(12)
	for si, name := range series {
		vals := make(plotter.Values, len(cats))
		for ci := range cats {
			vals[ci] = val(si, ci)
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			continue
		}
		b.Color = col(si)
		b.LineStyle.Width = 0
		b.Offset = vg.Length(float64(si)-float64(len(series)-1)/2) * w
		p.Add(b)
		p.Legend.Add(name, b)
	}
	p.NominalX(cats...)
}

// Ablations is App. C: each Talker's correct rate under each condition,
// and the rate of switching to the other problem's answer.
func Ablations(rep engine.AblationReport) Figure {
	p := newPlot(fmt.Sprintf("Talker ablations, %s (%d problems)", rep.Task, rep.N), "what the Talker decodes", "rate")
	var cats []string
	for _, r := range rep.Rows {
		cats = append(cats, strings.ReplaceAll(r.Condition, "_", " "))
	}
	type ser struct {
		name string
		get  func(r engine.AblationRow) float64
	}
	var series []ser
	if len(rep.Rows) > 0 {
		for li, l := range rep.Rows[0].Lanes {
			series = append(series, ser{l.Lane + " correct", func(r engine.AblationRow) float64 { return r.Lanes[li].Correct }})
		}
		for li, l := range rep.Rows[0].Lanes {
			series = append(series, ser{l.Lane + " switched to the other answer", func(r engine.AblationRow) float64 { return r.Lanes[li].Switched }})
		}
	}
	var names []string
	for _, s := range series {
		names = append(names, s.name)
	}
	groupedBars(p, cats, names, func(s, c int) float64 { return series[s].get(rep.Rows[c]) })
	p.Y.Min, p.Y.Max = 0, 1.45
	return Figure{Rows: [][]*plot.Plot{{p}}, W: 18 * vg.Centimeter, H: 11 * vg.Centimeter}
}

// Containment is the error-containment figure: how often a forced wrong
// token propagated, by step and forced lane; and exact match against the
// input-corruption level and the latent-noise σ, one line per lane.
func Containment(rep engine.ContainmentReport) Figure {
	info := map[string]engine.LaneInfo{}
	for _, l := range rep.Lanes {
		info[l.Name] = l
	}
	name := func(lane string) string {
		if l, ok := info[lane]; ok && l.Label != "" {
			return l.Label
		}
		return lane
	}
	prop := newPlot("A wrong token forced at one step: propagated", "route step", "propagated (fraction of problems)")
	var cats []string
	var forced []string
	for _, r := range rep.Injected {
		cats = append(cats, fmt.Sprint(r.Step))
	}
	if len(rep.Injected) > 0 {
		for _, l := range rep.Injected[0].Lanes {
			if l.Forced {
				forced = append(forced, l.Lane)
			}
		}
	}
	var labels []string
	for _, f := range forced {
		labels = append(labels, name(f))
	}
	groupedBars(prop, cats, labels, func(s, c int) float64 {
		for _, l := range rep.Injected[c].Lanes {
			if l.Lane == forced[s] {
				return l.Propagated
			}
		}
		return 0
	})
	prop.Y.Min, prop.Y.Max = 0, 1.45
	curves := func(title, x string, rows []engine.SweepRow, scale float64) *plot.Plot {
		p := newPlot(title, x, "exact match")
		if len(rows) == 0 {
			return p
		}
		for li, l := range rows[0].Lanes {
			xy := make(plotter.XYs, len(rows))
			for i, r := range rows {
				xy[i].X, xy[i].Y = scale*r.Level, r.Lanes[li].Exact
			}
			if ln, pts, err := plotter.NewLinePoints(xy); err == nil {
				ln.Color, pts.Color = col(li), col(li)
				p.Add(ln, pts)
				p.Legend.Add(name(l.Lane), ln, pts)
			}
		}
		p.Y.Min, p.Y.Max = 0, 1.45
		return p
	}
	corr := curves("Input corruption", "prompt letters replaced (%)", rep.Corruption, 100)
	noise := curves("Latent noise at every step", "σ (% of max |component|)", rep.Noise, 100)
	return Figure{Rows: [][]*plot.Plot{{prop}, {corr, noise}}, W: 20 * vg.Centimeter, H: 20 * vg.Centimeter}
}

// KSweep is App. D: the correct major contributor rate against SST steps,
// one line per run (labelled by its k), with the paper's k = 1 plateau as a
// dashed reference line.
func KSweep(rep train.KSweepReport) Figure {
	title := "SST loss scale k: correct major contributor rate"
	if len(rep.Runs) > 0 {
		r := rep.Runs[0]
		title += fmt.Sprintf(" (depth %d, %d trees)", r.Depth, r.EvalN)
	}
	p := newPlot(title, "SST step", "correct major contributor rate")
	p.Legend.Top, p.Legend.Left = false, false
	seeds := map[float32]int{}
	for _, r := range rep.Runs {
		seeds[r.K]++
	}
	maxStep := 0
	for i, r := range rep.Runs {
		xy := make(plotter.XYs, len(r.Points))
		for j, pt := range r.Points {
			xy[j].X, xy[j].Y = float64(pt.Step), pt.MajorRate
			maxStep = max(maxStep, pt.Step)
		}
		ln, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			continue
		}
		ln.Color, pts.Color = col(i), col(i)
		pts.Radius = vg.Points(1.5)
		p.Add(ln, pts)
		name := fmt.Sprintf("k = %g", r.K)
		if seeds[r.K] > 1 {
			name += fmt.Sprintf(" (seed %d)", r.Seed)
		}
		p.Legend.Add(name, ln, pts)
	}
	if ref, err := plotter.NewLine(plotter.XYs{{X: 0, Y: rep.PaperK1Plateau}, {X: float64(max(maxStep, 1)), Y: rep.PaperK1Plateau}}); err == nil {
		ref.Color = color.Gray{Y: 110}
		ref.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add(fmt.Sprintf("paper: k = 1 plateaus near %.2f", rep.PaperK1Plateau), ref)
	}
	p.Y.Max = 1.005
	p.Add(plotter.NewGrid())
	return Figure{Rows: [][]*plot.Plot{{p}}, W: 18 * vg.Centimeter, H: 12 * vg.Centimeter}
}
