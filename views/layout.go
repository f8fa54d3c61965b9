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
)

// Visibility says which panels and lanes are shown.
type Visibility struct {
	Tree, Trajectory, Nearest, Mixture, Lanes bool
	Reasoner, Mono, Dual, Baseline            bool // lanes (the truth lane is always shown)
}

// AllVisible shows everything.
func AllVisible() Visibility {
	return Visibility{true, true, true, true, true, true, true, true, true}
}

// Needs are the panels' natural sizes (inner cells, without borders),
// measured from the content.
type Needs struct {
	TreeW, TreeMinW int // natural and smallest usable width of the tree
	TrajH           int
	LanesH          int
}

// Layout is where everything goes on a terminal of Width × Height. Hidden
// panels have empty rectangles. Rectangles include their borders.
type Layout struct {
	Width, Height int
	TooSmall      bool
	Compact       bool
	Status, Body  Rect
	Help          Rect
	Tree, Traj    Rect
	Nearest       Rect
	Mixture       Rect
	Lanes         Rect
}

// IsCompact reports whether a terminal of w × h gets the compact layout.
func IsCompact(w, h int) bool { return w < FullWidth || h < FullHeight }

// Compute is the layout: a pure function from the terminal size, the
// measured heights of the status line and the help bar, what is shown and
// what the panels need, to rectangles. The rectangles tile the body
// exactly (no overlap, no gap) whatever the inputs.
func Compute(w, h, statusH, helpH int, show Visibility, need Needs) Layout {
	l := Layout{Width: w, Height: h, Compact: IsCompact(w, h)}
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

	top := show.Tree || show.Trajectory || show.Nearest || show.Mixture
	lanesH := 0
	if show.Lanes {
		lanesH = need.LanesH + 2
		if top {
			lanesH = min(lanesH, body.H/2)
		} else {
			lanesH = body.H
		}
		l.Lanes = Rect{0, body.Y + body.H - lanesH, w, lanesH}
	}
	topH := body.H - lanesH
	if !top || topH <= 0 {
		if show.Lanes { // the lanes take the whole body
			l.Lanes = body
		}
		return l
	}

	right := show.Trajectory || show.Nearest || show.Mixture
	treeW := 0
	if show.Tree {
		if right {
			if l.Compact {
				treeW = min(max(need.TreeMinW+2, 26), w*45/100)
			} else {
				treeW = min(max(need.TreeW+2, 26), w*40/100)
			}
		} else {
			treeW = w
		}
		l.Tree = Rect{0, body.Y, treeW, topH}
	}
	x0, rw := treeW, w-treeW
	if !right {
		return l
	}
	low := show.Nearest || show.Mixture
	trajH := 0
	if show.Trajectory {
		trajH = need.TrajH + 2
		switch {
		case !low:
			trajH = topH
		case topH-trajH < 4:
			trajH = max(3, topH-4)
		}
		trajH = min(trajH, topH)
		l.Traj = Rect{x0, body.Y, rw, trajH}
	}
	if !low {
		return l
	}
	y, lh := body.Y+trajH, topH-trajH
	switch {
	case show.Nearest && show.Mixture:
		nw := rw * 45 / 100
		l.Nearest = Rect{x0, y, nw, lh}
		l.Mixture = Rect{x0 + nw, y, rw - nw, lh}
	case show.Nearest:
		l.Nearest = Rect{x0, y, rw, lh}
	default:
		l.Mixture = Rect{x0, y, rw, lh}
	}
	return l
}

// Panels lists the layout's visible panel rectangles.
func (l Layout) Panels() []Rect {
	var out []Rect
	for _, r := range []Rect{l.Tree, l.Traj, l.Nearest, l.Mixture, l.Lanes} {
		if !r.Empty() {
			out = append(out, r)
		}
	}
	return out
}
