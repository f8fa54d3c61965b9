package views

import (
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// width is the display width of s (ANSI-aware).
func width(s string) int { return ansi.StringWidth(s) }

// fit truncates s to w cells (with "…" when cut) and pads it with spaces
// to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if n := width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// center pads s on both sides to w cells.
func center(s string, w int) string {
	n := width(s)
	if n >= w {
		return fit(s, w)
	}
	l := (w - n) / 2
	return strings.Repeat(" ", l) + s + strings.Repeat(" ", w-n-l)
}

// block makes exactly h lines of exactly w cells from lines.
func block(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(0, w))
		}
	}
	return out
}

// box draws a rounded frame of exactly w × h cells with title in the top
// border around content (cut or padded to fit).
func box(st *Styles, title string, content []string, w, h int, focus bool) []string {
	if w <= 0 || h <= 0 {
		return nil
	}
	if w < 2 || h < 2 {
		return block(nil, w, h)
	}
	bs := st.Panel.Border
	if focus {
		bs = st.Panel.BorderFocus
	}
	iw := w - 2
	top := "─"
	if title != "" && iw >= 5 {
		t := ansi.Truncate(title, iw-3, "…")
		top = bs.Render("╭─") + st.Panel.Title.Render(" "+t+" ")
		rest := iw - 1 - (width(t) + 2)
		top += bs.Render(strings.Repeat("─", max(0, rest)) + "╮")
	} else {
		top = bs.Render("╭" + strings.Repeat("─", iw) + "╮")
	}
	out := make([]string, 0, h)
	out = append(out, top)
	side := bs.Render("│")
	for _, line := range block(content, iw, h-2) {
		out = append(out, side+line+side)
	}
	out = append(out, bs.Render("╰"+strings.Repeat("─", iw)+"╯"))
	return out
}

// placed is a block of lines at a rectangle.
type placed struct {
	r     Rect
	lines []string
}

// compose lays blocks (each exactly its rectangle's size, not
// overlapping) onto a w × h area; uncovered cells are spaces. It returns
// exactly h lines of exactly w cells.
func compose(w, h, y0 int, blocks []placed) []string {
	out := make([]string, h)
	for y := 0; y < h; y++ {
		var row []placed
		for _, b := range blocks {
			if y+y0 >= b.r.Y && y+y0 < b.r.Y+b.r.H {
				row = append(row, b)
			}
		}
		sort.Slice(row, func(i, j int) bool { return row[i].r.X < row[j].r.X })
		var sb strings.Builder
		x := 0
		for _, b := range row {
			if b.r.X < x {
				continue
			}
			sb.WriteString(strings.Repeat(" ", b.r.X-x))
			line := ""
			if i := y + y0 - b.r.Y; i < len(b.lines) {
				line = b.lines[i]
			}
			sb.WriteString(fit(line, b.r.W))
			x = b.r.X + b.r.W
		}
		out[y] = fit(sb.String(), w)
	}
	return out
}

// splice writes the lines of an overlay over base at (x, y).
func splice(base []string, x, y int, over []string) {
	for i, o := range over {
		row := y + i
		if row < 0 || row >= len(base) {
			continue
		}
		line := base[row]
		w := width(line)
		ow := width(o)
		left := ansi.Truncate(line, x, "")
		if n := width(left); n < x {
			left += strings.Repeat(" ", x-n)
		}
		right := ""
		if x+ow < w {
			right = ansi.TruncateLeft(line, x+ow, "")
		}
		base[row] = left + "\x1b[m" + o + "\x1b[m" + right
		if width(base[row]) > w && w > 0 {
			base[row] = ansi.Truncate(base[row], w, "")
		}
	}
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, strings.Split(ansi.Wrap(para, w, " "), "\n")...)
	}
	return out
}

// bar is a horizontal bar of frac ∈ [0, 1] in w cells with eighth blocks.
func bar(st *Styles, frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	frac = max(0, min(1, frac))
	eighths := int(frac*float64(w*8) + 0.5)
	full := eighths / 8
	part := eighths % 8
	s := strings.Repeat("█", full)
	empty := w - full
	if part > 0 && full < w {
		s += string([]rune(" ▏▎▍▌▋▊▉")[part])
		empty--
	}
	return st.Bar.Full.Render(s) + st.Bar.Empty.Render(strings.Repeat("░", max(0, empty)))
}

// sparkChar is the block for v in [0, 1].
func sparkChar(v float64) string {
	r := []rune("▁▂▃▄▅▆▇█")
	i := int(v*float64(len(r)-1) + 0.5)
	return string(r[max(0, min(len(r)-1, i))])
}
