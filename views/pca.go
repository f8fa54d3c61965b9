package views

import (
	"fmt"
	"strconv"
	"strings"

	"jrx/internal/termplot"
)

// PanelPCA is the PCA scatter's panel ID.
const PanelPCA = "pca"

// pcaPanel is the scatter of the current problem's latents and its
// hypotheses' target-table rows on their top two principal components
// (the paper's Fig. 2 for one problem): steps as digits 1-9 (later steps
// as +), vocabulary points by their token's first character, the selected
// step in the selected style. Listed only for frames with Frame.PCA.
var pcaPanel = Panel{
	ID: PanelPCA, Label: "PCA scatter", Key: "s", Place: PlaceRow, Share: 50,
	Size: func(PanelCtx) Want { return Want{} },
	Title: func(c PanelCtx) string {
		p := c.Frame.PCA
		if p == nil || c.Compact {
			return "PCA"
		}
		return fmt.Sprintf("PCA · PC1 %.0f%% PC2 %.0f%%", 100*p.Explained[0], 100*p.Explained[1])
	},
	Render: renderPCA,
}

// renderPCA draws the scatter in w × h cells: the plot, then a legend line.
func renderPCA(c PanelCtx, w, h int) []string {
	st, f := c.Styles, c.Frame
	p := f.PCA
	if p == nil || len(p.Steps) < 2 {
		return []string{st.Dim.Render("take two steps for a scatter")}
	}
	var pts []termplot.Point
	for _, v := range p.Vocab {
		r := []rune(f.sym(v.Token))
		lab := '?'
		if len(r) > 0 {
			lab = r[0]
			if len(r) > 1 { // [EOS] and the like: its first letter
				for _, x := range r {
					if x >= 'A' && x <= 'Z' {
						lab = x + ('a' - 'A')
						break
					}
				}
			}
		}
		pts = append(pts, termplot.Point{X: v.X, Y: v.Y, Label: lab})
	}
	for i, s := range p.Steps {
		lab := '+'
		if i < 9 {
			lab = rune('1' + i)
		}
		pts = append(pts, termplot.Point{X: s[0], Y: s[1], Label: lab})
	}
	ph := max(1, h-1)
	lines := termplot.Scatter(pts, max(1, w), ph)
	if c.Sel >= 1 && c.Sel <= min(9, len(p.Steps)) {
		d := strconv.Itoa(c.Sel)
		for i, l := range lines {
			if j := strings.Index(l, d); j >= 0 {
				lines[i] = l[:j] + st.Cell.Selected.Render(d) + l[j+1:]
				break
			}
		}
	}
	legend := "1-9 the steps' latents · letters the hypotheses' target rows"
	if c.Compact {
		legend = "digits steps · letters targets"
	}
	return append(lines, st.Dim.Render(legend))
}
