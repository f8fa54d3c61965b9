package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/engine"
)

// Dialog is one overlay of the explorer as a small component: its own
// state, its own bindings (a part of the KeyMap, given when it opens), its
// own drawing. The app routes key presses, pastes and clicks to the open
// dialog and does what the returned Action says; it never reads a dialog's
// keys itself. Dialogs are values: Update returns the changed dialog, so a
// Screen holding an older one draws what it held.
type Dialog interface {
	// ID names the dialog ("picker", "noise", ...).
	ID() string
	// Update handles a key press.
	Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action)
	// Click handles a left click on item i of the view (OverlayItemAt).
	Click(i int, c DialogCtx) (Dialog, Action)
	// View draws the dialog for a screen of c.Width × c.Height.
	View(c DialogCtx) Overlay
	// ShortHelp and FullHelp are its bindings, for the help bar.
	help.KeyMap
}

// Sizer is a dialog that needs the screen's size outside View (to say in
// its help bar whether it can scroll); the app calls Resize when it opens
// and on every resize.
type Sizer interface {
	Resize(w, h int) Dialog
}

// Handler is a dialog that runs commands of its own (the file picker reads
// directories): the app hands it every message it does not handle itself.
type Handler interface {
	Handle(msg tea.Msg) (Dialog, tea.Cmd)
}

// Paster is a dialog that takes pasted text.
type Paster interface {
	Paste(text string) Dialog
}

// DialogCtx is what a dialog reads from the screen.
type DialogCtx struct {
	Styles        *Styles
	Frame         *Frame // nil on the error screen
	Show          Visibility
	Width, Height int
}

// Action is what a dialog asks the app to do. A nil Action: nothing (the
// dialog stays open).
type Action interface{ action() }

// Close closes the dialog.
type Close struct{}

// Inject applies an injection (and closes the dialog).
type Inject struct{ Injection engine.Injection }

// Submit hands the text of an input dialog to the app, with the input's
// purpose; the app closes the dialog or shows an error in it (Input.WithErr)
// or asks to confirm (Input.AskConfirm). Confirmed: enter was pressed again
// on the text the dialog asked to confirm.
type Submit struct {
	Purpose, Text string
	Confirmed     bool
}

// ToggleShown shows or hides a panel or a lane (the menu stays open).
type ToggleShown struct{ Item ToggleItem }

// Run runs a command of the dialog's (its result comes back to the
// dialog's Handle); the dialog stays open.
type Run struct{ Cmd tea.Cmd }

func (Run) action()         {}
func (Close) action()       {}
func (Inject) action()      {}
func (Submit) action()      {}
func (ToggleShown) action() {}

// Overlay is a dialog's drawing: a boxed, centred text.
type Overlay struct {
	Title string
	Body  []string
	// W is the box width wanted (with the border); the screen clamps it.
	W int
	// Items are the clickable parts of the body.
	Items []OverlayItem
	// Wrap wraps body lines wider than the box (a dialog without Items).
	Wrap bool
	// Scroll is the first body line shown when the body is taller than
	// the screen allows (the screen clamps it; see ScrollMax); the title
	// then says which lines show.
	Scroll int
}

// overlayBody is the body of ov as drawn in a box bw wide: wrapped when
// ov asks.
func overlayBody(ov Overlay, bw int) []string {
	if !ov.Wrap {
		return ov.Body
	}
	var out []string
	for _, l := range ov.Body {
		if width(l) <= bw-4 {
			out = append(out, l)
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(l, bw-4, " "), "\n")...)
	}
	return out
}

// overlayBox is the width of ov's box and the number of body lines it
// shows on a screen w × h.
func overlayBox(ov Overlay, w, h int) (bw, rows, n int) {
	bw = max(10, min(ov.W, w))
	n = len(overlayBody(ov, bw))
	// The box leaves the status line and the help bar visible.
	return bw, max(0, min(n+2, h-2)-2), n
}

// ScrollMax is the largest useful Scroll of ov on a screen w × h: 0 when
// the whole body shows.
func ScrollMax(ov Overlay, w, h int) int {
	_, rows, n := overlayBox(ov, w, h)
	return max(0, n-rows)
}

// OverlayItem is a clickable cell range of an overlay's body: line Line,
// columns Col..Col+W (W < 0: the whole inner width).
type OverlayItem struct{ Line, Col, W int }

// hintLines are a dialog's key hints drawn from the bindings that handle
// them ("tab next field · enter apply · esc cancel"), dimmed and wrapped
// to w cells: a hint can never name a key its dialog does not take.
// Disabled bindings are left out.
func hintLines(st *Styles, w int, bs ...key.Binding) []string {
	var parts []string
	for _, b := range bs {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	var out []string
	for _, l := range wrap(strings.Join(parts, " · "), w) {
		out = append(out, st.Dim.Render(l))
	}
	return out
}

// dialogW is a dialog's box width on a screen w wide: up to max cells with
// two cells of margin each side.
func dialogW(w, most int) int { return min(w-4, most) }

// hit is a clickable item of an overlay on the screen.
type hit struct {
	r   Rect
	idx int
}

// overlay is the open dialog's box and where it goes, with its items.
func (s *Screen) overlay() (lines []string, x, y int, hits []hit) {
	if s.Dialog == nil {
		return nil, 0, 0, nil
	}
	ov := s.Dialog.View(s.dialogCtx())
	if ov.Title == "" && len(ov.Body) == 0 {
		return nil, 0, 0, nil // a Docked dialog with nothing on top
	}
	st := s.Styles
	bw, rows, n := overlayBox(ov, s.Width, s.Height)
	iw := bw - 4
	bh := rows + 2
	body := overlayBody(ov, bw)
	title := ov.Title
	first := 0
	if rows < n {
		first = max(0, min(ov.Scroll, n-rows))
		body = body[first : first+rows]
		title += fmt.Sprintf(" · lines %d–%d of %d", first+1, first+rows, n)
	}
	content := make([]string, len(body))
	for i, l := range body {
		content[i] = " " + fit(l, iw) + " "
	}
	lines = boxOverlay(st, title, content, bw, bh)
	x = max(0, (s.Width-bw)/2)
	y = max(0, (s.Height-bh)/2)
	for i, it := range ov.Items {
		row := y + 1 + it.Line - first
		if row <= y || row >= y+bh-1 {
			continue
		}
		w := it.W
		if w < 0 {
			w = iw
		}
		hits = append(hits, hit{Rect{x + 2 + it.Col, row, w, 1}, i})
	}
	return lines, x, y, hits
}

func (s *Screen) dialogCtx() DialogCtx {
	st := s.Styles
	if st == nil {
		st = PlainStyles()
	}
	return DialogCtx{Styles: st, Frame: s.Frame, Show: s.Show, Width: s.Width, Height: s.Height}
}

func boxOverlay(st *Styles, title string, content []string, w, h int) []string {
	s := *st
	s.Panel.Border = st.Overlay.Box
	s.Panel.Title = st.Overlay.Title
	return box(&s, title, content, w, h, false)
}

// OverlayItemAt is the index of the open dialog's item (a picker token, a
// toggle) at (x, y), or -1.
func OverlayItemAt(s Screen, x, y int) int {
	if s.Styles == nil {
		s.Styles = PlainStyles()
	}
	_, _, _, hits := s.overlay()
	for _, h := range hits {
		if h.r.Contains(x, y) {
			return h.idx
		}
	}
	return -1
}

// tokenOf reads a typed key as a one-character token of the vocabulary
// ("a" is A on the tree task).
func tokenOf(k tea.KeyPressMsg, f *Frame) (int, bool) {
	if len(k.Text) != 1 || f == nil || f.Vocab == nil || k.Text == " " {
		return 0, false
	}
	id, ok := f.Vocab.Lookup(k.Text)
	if !ok || len([]rune(f.Vocab.Sym(id))) != 1 {
		return 0, false
	}
	return id, true
}
