package views

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Status is what the status line says besides the frame.
type Status struct {
	Model   string // where the model set came from ("embedded" or a directory)
	Depth   int    // the tree depth it was trained for
	Seed    uint64
	Typed   bool   // the problem was typed, not generated from Seed
	Busy    string // what is running, "" when idle
	Message string // the last result or error, "" for none
	IsError bool
}

// Screen is everything the explorer's view shows; Render draws it.
type Screen struct {
	Width, Height int
	Styles        *Styles
	Keys          KeyMap
	Help          help.Model
	Frame         *Frame // nil before the first session
	Sel           int    // selected step, 1-based; 0 = none
	Show          Visibility
	Status        Status
	// Dialog is the open dialog, nil when the main screen has the keys.
	Dialog Dialog
	Fatal  string // why there is nothing to explore
	// Presenter is the presenter mode: the large layout at any size (its
	// styles and its fewer panels are the app's choice of Styles and Show).
	Presenter bool
}

func (s *Screen) compact() bool { return IsCompact(s.Width, s.Height) }

func (s *Screen) large() bool { return s.Presenter || IsLarge(s.Width, s.Height) }

// statusMaxLines bounds the lines a long status message wraps onto.
const statusMaxLines = 4

// statusLines renders the status line: model, seed (or "typed problem"),
// step t/T, what is running, a warning when the problem lies outside the
// training distribution, the injections, and the last message (shorter
// labels when the terminal is narrow). A message that does not fit on the
// line goes under it, wrapped (never cut, up to statusMaxLines lines), so
// it never hides the injections.
func (s *Screen) statusLines() []string {
	st := s.Styles
	short := s.Width < 100
	sep := st.Status.Sep.Render(" │ ")
	kv := func(k, v string) string {
		if k == "" {
			return st.Status.Value.Render(v)
		}
		return st.Status.Key.Render(k+" ") + st.Status.Value.Render(v)
	}
	parts := []string{st.Status.App.Render("jrx")}
	if s.Status.Model != "" {
		m := s.Status.Model
		switch {
		case s.Status.Depth > 0 && short:
			m += fmt.Sprintf(" d%d", s.Status.Depth)
		case s.Status.Depth > 0:
			m += fmt.Sprintf(" (depth %d)", s.Status.Depth)
		}
		parts = append(parts, kv(pick(short, "", "model"), m))
	}
	if s.Frame != nil {
		if s.Status.Typed {
			// A typed problem has no generating seed; the seed only seeds
			// the noise of the injections that draw any.
			parts = append(parts, kv("", "typed problem"))
			if s.Frame.drawsNoise() {
				parts = append(parts, kv("noise seed", fmt.Sprint(s.Status.Seed)))
			}
		} else {
			parts = append(parts, kv("seed", fmt.Sprint(s.Status.Seed)))
		}
		step := fmt.Sprintf("%d/%d", s.Frame.Taken(), s.Frame.Steps)
		if s.Sel > 0 && s.Sel != s.Frame.Taken() {
			step += fmt.Sprintf(pick(short, " ▸%d", " (viewing %d)"), s.Sel)
		}
		parts = append(parts, kv("step", step))
	}
	if s.Status.Busy != "" {
		parts = append(parts, st.Status.Busy.Render("⟳ "+s.Status.Busy))
	}
	if s.Frame != nil && s.Frame.OutOfDistribution != "" {
		parts = append(parts, st.Status.Error.Render(pick(short, "⚠ off-distribution", "⚠ outside the training distribution")))
	}
	if s.Frame != nil {
		inj := "none"
		if len(s.Frame.Injections) > 0 {
			var specs []string
			for _, in := range s.Frame.Injections {
				specs = append(specs, in.String())
			}
			inj = strings.Join(specs, " ")
		}
		parts = append(parts, kv(pick(short, "inj", "injections"), inj))
	}
	line := strings.Join(parts, sep)
	msg := s.Status.Message
	if msg == "" {
		return []string{fit(line, s.Width)}
	}
	render := st.Status.Info.Render
	if s.Status.IsError {
		render = st.Status.Error.Render
	}
	if one := line + sep + render(msg); width(one) <= s.Width {
		return []string{fit(one, s.Width)}
	}
	out := []string{fit(line, s.Width)}
	lines := wrap(msg, s.Width-2)
	if len(lines) > statusMaxLines {
		lines = lines[:statusMaxLines]
		lines[len(lines)-1] = ansi.Truncate(lines[len(lines)-1], s.Width-3, "") + "…"
	}
	for _, l := range lines {
		out = append(out, fit("  "+render(l), s.Width))
	}
	return out
}

func (s *Screen) helpBar() string {
	h := s.Help
	h.Styles = s.Styles.Help
	var hints []key.Binding
	keep := 2 // a dialog's last two (apply and cancel) always show
	if s.Dialog != nil {
		hints = s.Dialog.ShortHelp()
	} else {
		hints = s.Keys.Main.ShortHelp()
		keep = 2 // "? help" and "q quit"
	}
	return fit(fitHints(h, hints, min(keep, len(hints)), s.Width), s.Width)
}

// fitHints renders hints in w cells, dropping the least useful first (the
// last ones before the keep essential ones at the end, which always show)
// until the bar fits.
func fitHints(h help.Model, hints []key.Binding, keep, w int) string {
	hints = slices.Clone(hints)
	h.SetWidth(0)
	for {
		out := h.ShortHelpView(hints)
		if width(out) <= w {
			return out
		}
		drop := -1
		for i := len(hints) - keep - 1; i >= 0; i-- {
			if hints[i].Enabled() {
				drop = i
				break
			}
		}
		if drop < 0 {
			h.SetWidth(w)
			return h.ShortHelpView(hints)
		}
		hints = slices.Delete(hints, drop, drop+1)
	}
}

// panelCtx is what the panels draw from.
func (s *Screen) panelCtx() PanelCtx {
	c := PanelCtx{Styles: s.Styles, Frame: s.Frame, Sel: s.Sel, Show: s.Show, Keys: &s.Keys.Main, Compact: s.compact(), Large: s.large()}
	if d, ok := s.Dialog.(Docked); ok {
		c.Dock = []Panel{d.Dock()}
	}
	return c
}

// Layout is the screen's layout, with the chrome measured: the shown
// panels of the frame, each at the size it prefers.
func (s Screen) Layout() Layout {
	if s.Styles == nil {
		s.Styles = PlainStyles()
	}
	_, wants := shownPanels(s.panelCtx())
	return Compute(s.Width, s.Height, len(s.statusLines()), lipgloss.Height(s.helpBar()), wants, s.Presenter)
}

// StepAt is the step whose cell is at (x, y) in a panel that selects steps
// by click (the trajectory, the lanes), or 0.
func StepAt(s Screen, x, y int) int {
	if s.Frame == nil {
		return 0
	}
	if s.Styles == nil {
		s.Styles = PlainStyles()
	}
	l := s.Layout()
	if l.TooSmall {
		return 0
	}
	c := s.panelCtx()
	ps, _ := shownPanels(c)
	for i, p := range ps {
		if r := l.Areas[i].Rect; p.StepAt != nil && r.Contains(x, y) {
			return p.StepAt(c, r.inner(), x, y)
		}
	}
	return 0
}

// Render draws the screen: exactly Height lines, none wider than Width.
func Render(s Screen) string {
	if s.Width <= 0 || s.Height <= 0 {
		return ""
	}
	if s.Styles == nil {
		s.Styles = PlainStyles()
	}
	l := s.Layout()
	if l.TooSmall {
		return s.finish(tooSmall(s.Styles, s.Keys.Main.Quit.Help().Key, s.Width, s.Height))
	}
	st := s.Styles
	var blocks []placed
	blocks = append(blocks, placed{l.Status, s.statusLines()})
	blocks = append(blocks, placed{l.Help, []string{s.helpBar()}})
	switch {
	case s.Fatal != "":
		blocks = append(blocks, placed{l.Body, box(st, "Nothing to explore", fatalText(st, s.Fatal, l.Body.W-4), l.Body.W, l.Body.H, true)})
	case s.Frame == nil:
		msg := fmt.Sprintf("No problem is open: press %s for a new one, or %s to type one.", s.Keys.Main.New.Help().Key, s.Keys.Main.Prompt.Help().Key)
		if s.Status.Busy != "" {
			msg = s.Status.Busy + "…"
		}
		body := []string{"", " " + msg}
		if s.Status.IsError && s.Status.Message != "" && s.Status.Busy == "" {
			body = append(body, "")
			for _, line := range wrap(s.Status.Message, l.Body.W-4) {
				body = append(body, " "+st.Status.Error.Render(line))
			}
		}
		blocks = append(blocks, placed{l.Body, box(st, "jrx", body, l.Body.W, l.Body.H, false)})
	default:
		c := s.panelCtx()
		ps, _ := shownPanels(c)
		for i, p := range ps {
			r := l.Areas[i].Rect
			if r.Empty() {
				continue
			}
			in := r.inner()
			blocks = append(blocks, placed{r, box(st, p.Title(c), p.Render(c, in.W, in.H), r.W, r.H, false)})
		}
	}
	lines := compose(s.Width, s.Height, 0, blocks)
	if ov, x, y, _ := s.overlay(); ov != nil {
		splice(lines, x, y, ov)
	}
	return s.finish(lines)
}

// finish joins the screen's lines, folded to ASCII when the styles ask.
func (s *Screen) finish(lines []string) string {
	out := strings.Join(lines, "\n")
	if s.Styles.ASCII {
		out = asciiFold(out)
	}
	return out
}

func pick(compact bool, short, long string) string {
	if compact {
		return short
	}
	return long
}

func stepTitle(name string, sel int) string {
	if sel < 1 {
		return name
	}
	return fmt.Sprintf("%s · step %d", name, sel)
}

func fatalText(st *Styles, msg string, w int) []string {
	out := []string{""}
	for _, l := range wrap(msg, w) {
		out = append(out, " "+st.Status.Error.Render(l))
	}
	out = append(out, "",
		" jrx needs a trained model set (reasoner, mono, dual and baseline .safetensors).",
		" Open one with:  jrx explore --model DIR",
		" Train one with: jrx train --help",
		"", " Press q to quit.")
	return out
}

// tooSmall is the screen for a terminal below MinWidth × MinHeight.
func tooSmall(st *Styles, quit string, w, h int) []string {
	if quit == "" {
		quit = "q"
	}
	msg := []string{
		st.Bold.Render("terminal too small"),
		fmt.Sprintf("need %d×%d, have %d×%d", MinWidth, MinHeight, w, h),
		"enlarge the window, or press " + quit + " to quit",
	}
	out := make([]string, h)
	top := max(0, (h-len(msg))/2)
	for i := range out {
		line := ""
		if j := i - top; j >= 0 && j < len(msg) {
			line = msg[j]
		}
		out[i] = center(line, w)
	}
	return out
}

func newHelp() help.Model { return help.New() }
