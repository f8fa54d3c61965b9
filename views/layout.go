package views

// Rect is a rectangle of terminal cells.
type Rect struct{ X, Y, W, H int }

// Contains reports whether the cell (x, y) is inside r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Empty reports whether r has no cells.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// inner is the rectangle inside a one-cell border.
func (r Rect) inner() Rect { return Rect{r.X + 1, r.Y + 1, max(0, r.W-2), max(0, r.H-2)} }

// Terminal sizes.
const (
	// MinWidth × MinHeight is the smallest terminal the explorer draws in;
	// below it a "terminal too small" screen says what is needed.
	MinWidth  = 64
	MinHeight = 20
	// FullWidth × FullHeight and up get the full layout; below it the
	// compact one.
	FullWidth  = 120
	FullHeight = 34
	// A full-layout terminal at least LargeWidth wide or LargeHeight high
	// gets the large layout: the side panel may take more of the width and
	// panels draw bigger, so a big window is not left blank.
	LargeWidth  = 240
	LargeHeight = 70
)

// Place is the region of the layout a panel goes to.
//
//	┌──────┬───────────────────┐
//	│      │ strips (stacked)  │
//	│ side ├─────────┬─────────┤
//	│      │ row     │ row     │
//	├──────┴─────────┴─────────┤
//	│ bottom (stacked)         │
//	└──────────────────────────┘
type Place int

const (
	// PlaceSide is the left column, the whole height above the bottom
	// panels (the task's panel). Without panels on the right it takes the
	// whole width.
	PlaceSide Place = iota
	// PlaceStrip is the right column's top: fixed-height panels, stacked
	// (the trajectory).
	PlaceStrip
	// PlaceRow is the right column under the strips: panels side by side,
	// sharing the height left, widths in proportion to Share (nearest
	// tokens, mixture).
	PlaceRow
	// PlaceBottom is the full width under everything: fixed-height panels,
	// stacked, at most half the body while anything is above them (the
	// lanes).
	PlaceBottom
)

// Want is one shown panel's size preference, in inner cells (without the
// border).
type Want struct {
	ID    string
	Place Place
	// W and MinW are the natural and the smallest usable width of a side
	// panel (the compact layout uses MinW).
	W, MinW int
	// H is the natural height of a strip or a bottom panel.
	H int
	// Share is a row panel's relative width (0 counts as 1).
	Share int
}

// Area is where one panel goes; the rectangle includes the border.
type Area struct {
	ID string
	Rect
}

// Layout is where everything goes on a terminal of Width × Height.
// Rectangles include their borders.
type Layout struct {
	Width, Height int
	TooSmall      bool
	Compact       bool
	Large         bool // see IsLarge (or the presenter mode)
	Status, Body  Rect
	Help          Rect
	// Areas are the shown panels' rectangles, in the order of the wants.
	// A panel that got no room has an empty rectangle.
	Areas []Area
}

// Rect is the rectangle of the panel id (empty when it is not shown).
func (l Layout) Rect(id string) Rect {
	for _, a := range l.Areas {
		if a.ID == id {
			return a.Rect
		}
	}
	return Rect{}
}

// Panels lists the layout's non-empty panel rectangles.
func (l Layout) Panels() []Rect {
	var out []Rect
	for _, a := range l.Areas {
		if !a.Empty() {
			out = append(out, a.Rect)
		}
	}
	return out
}

// IsCompact reports whether a terminal of w × h gets the compact layout.
func IsCompact(w, h int) bool { return w < FullWidth || h < FullHeight }

// IsLarge reports whether a terminal of w × h gets the large layout.
func IsLarge(w, h int) bool { return !IsCompact(w, h) && (w >= LargeWidth || h >= LargeHeight) }

// Compute is the layout: a pure function from the terminal size, the
// measured heights of the status line and the help bar and the shown
// panels' size preferences to rectangles. The panels tile the body exactly
// (no overlap, no gap) whatever the inputs, as long as one panel is shown.
// large asks for the large layout on any size (the presenter mode); a
// terminal that IsLarge gets it anyway.
func Compute(w, h, statusH, helpH int, wants []Want, large bool) (l Layout) {
	l = Layout{Width: w, Height: h, Compact: IsCompact(w, h), Large: large || IsLarge(w, h)}
	if w < MinWidth || h < MinHeight {
		l.TooSmall = true
		return l
	}
	statusH = max(0, min(statusH, h/4))
	helpH = max(0, min(helpH, h/4))
	l.Status = Rect{0, 0, w, statusH}
	l.Body = Rect{0, statusH, w, h - statusH - helpH}
	l.Help = Rect{0, h - helpH, w, helpH}
	body := l.Body

	var side, strips, rows, bottom []int // indices into wants
	for i, wt := range wants {
		switch wt.Place {
		case PlaceSide:
			side = append(side, i)
		case PlaceStrip:
			strips = append(strips, i)
		case PlaceRow:
			rows = append(rows, i)
		default:
			bottom = append(bottom, i)
		}
	}
	rects := make([]Rect, len(wants))
	defer func() {
		for i, wt := range wants {
			l.Areas = append(l.Areas, Area{wt.ID, rects[i]})
		}
	}()

	// The bottom panels: their natural heights, at most half the body when
	// anything is above them; otherwise the whole body.
	top := len(side)+len(strips)+len(rows) > 0
	avail := body.H
	if top {
		avail = body.H / 2
	}
	y := body.Y + body.H
	var hs []int
	for j, i := range bottom {
		bh := min(wants[i].H+2, avail)
		if !top && j == len(bottom)-1 {
			bh = avail
		}
		hs = append(hs, bh)
		avail -= bh
	}
	for j := len(bottom) - 1; j >= 0; j-- {
		y -= hs[j]
		rects[bottom[j]] = Rect{0, y, w, hs[j]}
	}
	topH := y - body.Y
	if !top || topH <= 0 {
		return l
	}

	// The side column.
	right := len(strips)+len(rows) > 0
	sideW := 0
	if len(side) > 0 {
		if right {
			for _, i := range side {
				switch {
				case l.Compact:
					sideW = max(sideW, min(max(wants[i].MinW+2, 26), w*45/100))
				case l.Large:
					sideW = max(sideW, min(max(wants[i].W+2, 26), w*45/100))
				default:
					sideW = max(sideW, min(max(wants[i].W+2, 26), w*40/100))
				}
			}
		} else {
			sideW = w
		}
		stack(rects, side, 0, body.Y, sideW, topH)
	}
	x0, rw := sideW, w-sideW
	if !right {
		return l
	}

	// The strips on top of the right column, then the rows.
	y = body.Y
	left := topH
	for j, i := range strips {
		sh := wants[i].H + 2
		switch {
		case len(rows) == 0 && j == len(strips)-1:
			sh = left
		case len(rows) > 0 && left-sh < 4:
			sh = max(3, left-4)
		}
		sh = max(0, min(sh, left))
		rects[i] = Rect{x0, y, rw, sh}
		y += sh
		left -= sh
	}
	if len(rows) == 0 {
		return l
	}
	total := 0
	for _, i := range rows {
		total += max(1, wants[i].Share)
	}
	x := x0
	for j, i := range rows {
		cw := rw * max(1, wants[i].Share) / total
		if j == len(rows)-1 {
			cw = x0 + rw - x
		}
		rects[i] = Rect{x, y, cw, left}
		x += cw
	}
	return l
}

// stack splits a column of height h among the panels idx, the first ones
// one row taller when it does not divide.
func stack(rects []Rect, idx []int, x, y, w, h int) {
	n := len(idx)
	for j, i := range idx {
		ph := h / n
		if j < h%n {
			ph++
		}
		rects[i] = Rect{x, y, w, ph}
		y += ph
	}
}
