package termplot

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Point is one point of a scatter plot; a point with a Label is drawn as
// that rune (over any dots in its cell), others as a braille dot.
type Point struct {
	X, Y  float64
	Label rune
}

// braille dot bits by (column 0..1, row 0..3) within a cell (Unicode
// braille patterns start at U+2800).
var brailleBit = [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// Scatter draws pts in a w×h cell grid (w, h ≥ 1) scaled to the points'
// range (equal ranges on both axes are not enforced: each axis spans its
// own data). Larger Y is drawn higher.
func Scatter(pts []Point, w, h int) []string {
	w, h = max(w, 1), max(h, 1)
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if finite(p.X) && finite(p.Y) {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
		}
	}
	dots := make([][]rune, h)
	labels := make([][]rune, h)
	for i := range dots {
		dots[i] = make([]rune, w)
		labels[i] = make([]rune, w)
	}
	scale := func(v, lo, hi float64, n int) int {
		if hi <= lo {
			return n / 2
		}
		return min(n-1, max(0, int(math.Floor((v-lo)/(hi-lo)*float64(n-1)+0.5))))
	}
	for _, p := range pts {
		if !finite(p.X) || !finite(p.Y) {
			continue
		}
		dx := scale(p.X, minX, maxX, 2*w)
		dy := 4*h - 1 - scale(p.Y, minY, maxY, 4*h)
		cx, cy := dx/2, dy/4
		if p.Label != 0 {
			labels[cy][cx] = p.Label
			continue
		}
		dots[cy][cx] |= brailleBit[dx%2][dy%4]
	}
	out := make([]string, h)
	for i := range out {
		var b strings.Builder
		for j := 0; j < w; j++ {
			switch {
			case labels[i][j] != 0:
				b.WriteRune(labels[i][j])
			case dots[i][j] != 0:
				b.WriteRune(0x2800 + dots[i][j])
			default:
				b.WriteRune(' ')
			}
		}
		out[i] = b.String()
	}
	return out
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
}

var eighths = []rune{' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'}

// Bars draws one line per bar: its label padded to the longest label, a
// bar of eighth blocks scaled so that max fills barWidth cells (max ≤ 0:
// the largest value), then the value formatted with format (e.g. "%.1f%%"
// after scaling is the caller's business). Negative and non-finite values
// draw no bar.
func Bars(bars []Bar, maxV float64, barWidth int, format string) []string {
	barWidth = max(barWidth, 1)
	if maxV <= 0 {
		for _, b := range bars {
			if finite(b.Value) {
				maxV = math.Max(maxV, b.Value)
			}
		}
	}
	lw := 0
	for _, b := range bars {
		lw = max(lw, utf8.RuneCountInString(b.Label))
	}
	out := make([]string, len(bars))
	for i, b := range bars {
		var s strings.Builder
		s.WriteString(b.Label)
		s.WriteString(strings.Repeat(" ", lw-utf8.RuneCountInString(b.Label)+1))
		n := 0
		if finite(b.Value) && b.Value > 0 && maxV > 0 {
			n = int(math.Round(math.Min(b.Value/maxV, 1) * float64(8*barWidth)))
		}
		s.WriteString(strings.Repeat("█", n/8))
		cells := n / 8
		if n%8 > 0 {
			s.WriteRune(eighths[n%8])
			cells++
		}
		s.WriteString(strings.Repeat(" ", barWidth-cells))
		s.WriteString(" " + fmt.Sprintf(format, b.Value))
		out[i] = s.String()
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
