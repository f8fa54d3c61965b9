package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"jrx/engine"
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

// Dialog is the state of the open overlay (see Screen.Mode).
type Dialog struct {
	Step int // the step an injection acts on

	// Token picker (ModePicker).
	Target  string // the lane as the dialog names it ("Dual-Talker", "baseline")
	Lane    string // the lane's injection name ("talker", "baseline")
	Items   []int
	Cursor  int
	TrueTok int    // the true token at Step, -1 when unknown
	Note    string // why the cursor starts where it does

	// Noise (ModeNoise).
	Sigmas   []float64
	SigmaIdx int
	Every    bool

	// Surgery (ModeSurgery): Weight·Ē[A] + (1−Weight)·Ē[B].
	A, B   int
	Weight float64
	Field  int // 0 = A, 1 = B, 2 = weight

	// Text input (ModeInput).
	Title string
	Input string // the rendered input line
	Err   string
	Hint  string
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
	Mode          Mode
	Dialog        Dialog
	Fatal         string // why there is nothing to explore
}

func (s *Screen) compact() bool { return IsCompact(s.Width, s.Height) }

// statusLine renders the status line: model, seed, step t/T, what is
// running, the last message and the injections (shorter labels when the
// terminal is narrow).
func (s *Screen) statusLine() string {
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
		seed := fmt.Sprint(s.Status.Seed)
		if s.Status.Typed {
			seed += pick(short, " typed", " (typed problem)")
		}
		parts = append(parts, kv("seed", seed))
		step := fmt.Sprintf("%d/%d", s.Frame.Taken(), s.Frame.Steps)
		if s.Sel > 0 && s.Sel != s.Frame.Taken() {
			step += fmt.Sprintf(pick(short, " ▸%d", " (viewing %d)"), s.Sel)
		}
		parts = append(parts, kv("step", step))
	}
	if s.Status.Busy != "" {
		parts = append(parts, st.Status.Busy.Render("⟳ "+s.Status.Busy))
	}
	if s.Status.Message != "" {
		if s.Status.IsError {
			parts = append(parts, st.Status.Error.Render(s.Status.Message))
		} else {
			parts = append(parts, st.Status.Info.Render(s.Status.Message))
		}
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
	return fit(strings.Join(parts, sep), s.Width)
}

func (s *Screen) helpBar() string {
	h := s.Help
	h.Styles = s.Styles.Help
	h.SetWidth(s.Width)
	return fit(h.ShortHelpView(s.Keys.ShortHelp()), s.Width)
}

// Layout is the screen's layout, with the chrome measured.
func (s Screen) Layout() Layout {
	var need Needs
	compact := s.compact()
	if tr := s.Frame.tree(); tr != nil {
		need.TreeW, need.TreeMinW = TreeNeeds(tr)
	} else {
		need.TreeW, need.TreeMinW = TreeNeeds(nil)
	}
	need.TrajH = TrajectoryRows(compact)
	need.LanesH = LanesRows(s.Show, compact)
	return Compute(s.Width, s.Height, lipgloss.Height(s.statusLine()), lipgloss.Height(s.helpBar()), s.Show, need)
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
		return strings.Join(tooSmall(s.Styles, s.Width, s.Height), "\n")
	}
	st := s.Styles
	compact := l.Compact
	var blocks []placed
	blocks = append(blocks, placed{l.Status, []string{s.statusLine()}})
	blocks = append(blocks, placed{l.Help, []string{s.helpBar()}})
	switch {
	case s.Fatal != "":
		blocks = append(blocks, placed{l.Body, box(st, "Nothing to explore", fatalText(st, s.Fatal, l.Body.W-4), l.Body.W, l.Body.H, true)})
	case s.Frame == nil:
		msg := "No problem is open: press n for a new one, or p to type one."
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
		f := s.Frame
		if !l.Tree.Empty() {
			title := "Problem"
			if tr := f.tree(); !compact && tr != nil {
				title = fmt.Sprintf("Problem · root %s → target %s", s.Frame.sym(tr.Root()), s.Frame.sym(tr.Target()))
			}
			in := l.Tree.inner()
			blocks = append(blocks, placed{l.Tree, box(st, title, renderTree(st, f, s.Sel, in.W, in.H, compact), l.Tree.W, l.Tree.H, false)})
		}
		if !l.Traj.Empty() {
			in := l.Traj.inner()
			title := "Trajectory"
			if !compact {
				title = "Trajectory · one cell per latent step"
			}
			blocks = append(blocks, placed{l.Traj, box(st, title, renderTrajectory(st, f, s.Sel, in.W, in.H, compact), l.Traj.W, l.Traj.H, false)})
		}
		if !l.Nearest.Empty() {
			in := l.Nearest.inner()
			blocks = append(blocks, placed{l.Nearest, box(st, stepTitle(pick(compact, "Nearest", "Nearest tokens"), s.Sel), renderNearest(st, f, s.Sel, in.W, in.H, compact), l.Nearest.W, l.Nearest.H, false)})
		}
		if !l.Mixture.Empty() {
			in := l.Mixture.inner()
			blocks = append(blocks, placed{l.Mixture, box(st, stepTitle(pick(compact, "Mixture", "Hypothesis mixture"), s.Sel), renderMixture(st, f, s.Sel, in.W, in.H, compact), l.Mixture.W, l.Mixture.H, false)})
		}
		if !l.Lanes.Empty() {
			in := l.Lanes.inner()
			blocks = append(blocks, placed{l.Lanes, box(st, "Lanes · aligned by step", renderLanes(st, f, s.Sel, in.W, in.H, s.Show, compact), l.Lanes.W, l.Lanes.H, false)})
		}
	}
	lines := compose(s.Width, s.Height, 0, blocks)
	if ov, x, y, _ := s.overlay(); ov != nil {
		splice(lines, x, y, ov)
	}
	return strings.Join(lines, "\n")
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
func tooSmall(st *Styles, w, h int) []string {
	msg := []string{
		st.Bold.Render("terminal too small"),
		fmt.Sprintf("need %d×%d, have %d×%d", MinWidth, MinHeight, w, h),
		"enlarge the window, or press q to quit",
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

// hit is a clickable item of an overlay.
type hit struct {
	r   Rect
	idx int
}

// overlay is the open dialog's box and where it goes, with its items.
func (s *Screen) overlay() (lines []string, x, y int, hits []hit) {
	st := s.Styles
	d := s.Dialog
	bw := min(s.Width-4, 64)
	iw := bw - 4 // border and one space each side
	var title string
	var body []string
	var items [][2]int // item index → (line in body, column) — filled by the picker
	switch s.Mode {
	case ModeHelp:
		bw = min(s.Width-2, 100)
		iw = bw - 4
		title = "Help"
		h := s.Help
		h.Styles = st.Help
		h.SetWidth(iw)
		body = append(body, strings.Split(h.FullHelpView(s.Keys.FullHelp()), "\n")...)
		body = append(body, "", st.Bold.Render("Marks"),
			"* injected   ! differs from the clean run   ✓ correct   ◆ contained   ✗ propagated / wrong",
			"Δlatent: the largest change of the Reasoner's latents against the clean run; 0 means",
			"the injection could not reach the reasoning chain (contained by construction).",
			"", st.Bold.Render("Injections")+" (the same syntax as saved sessions)")
		body = append(body, strings.Split(engine.Grammar, "\n")...)
		body = append(body, "", st.Dim.Render("Mouse: click a step cell to jump to it; click a token in a picker."))
	case ModePicker:
		title = fmt.Sprintf("Inject into the %s at step %d", d.Target, d.Step)
		body = append(body, wrap(fmt.Sprintf("Force the %s's token at step %d; the Reasoner does not read it. Truth: %s.", d.Target, d.Step, s.Frame.sym(d.TrueTok)), iw)...)
		if d.Note != "" {
			body = append(body, wrap(d.Note, iw)...)
		}
		body = append(body, "")
		const cw = 5
		per := max(1, iw/cw)
		for i, tok := range d.Items {
			if i%per == 0 {
				body = append(body, "")
			}
			cell := center(s.Frame.sym(tok), cw)
			if i == d.Cursor {
				cell = st.Overlay.Selected.Render(center("["+s.Frame.sym(tok)+"]", cw))
			} else if tok == d.TrueTok {
				cell = st.Token.Truth.Render(cell)
			} else {
				cell = st.Overlay.Item.Render(cell)
			}
			body[len(body)-1] += cell
			items = append(items, [2]int{len(body) - 1, (i % per) * cw})
		}
		body = append(body, "", st.Dim.Render("a letter or . (EOS), or arrows+enter, injects · esc: cancel"))
	case ModeNoise:
		title = fmt.Sprintf("Latent noise at step %d", d.Step)
		if d.Every {
			title = "Latent noise at every step"
		}
		body = append(body, wrap("Gaussian noise of σ × max|component| on the Reasoner's latent, renormalised onto the sphere; later steps read the noisy latent.", iw)...)
		body = append(body, "")
		line := "σ  "
		for i, sg := range d.Sigmas {
			c := fmt.Sprintf(" %g ", sg)
			if i == d.SigmaIdx {
				c = st.Overlay.Selected.Render("[" + strings.TrimSpace(c) + "]")
			}
			line += c
		}
		body = append(body, line)
		scope := "[this step]  every step"
		if d.Every {
			scope = " this step  [every step]"
		}
		body = append(body, "scope "+scope, "", st.Dim.Render("←/→ σ · a this step/every step · enter injects · esc cancels"))
	case ModeSurgery:
		title = fmt.Sprintf("Latent surgery at step %d", d.Step)
		body = append(body, wrap("Replace the latent with L2(w·Ē[A] + (1−w)·Ē[B]); the later steps are recomputed from it.", iw)...)
		body = append(body, "")
		field := func(i int, label, v string) string {
			if d.Field == i {
				v = st.Overlay.Selected.Render("[" + v + "]")
			} else {
				v = " " + v + " "
			}
			return label + v
		}
		body = append(body, field(0, "A ", s.Frame.sym(d.A))+"   "+field(1, "B ", s.Frame.sym(d.B))+"   "+field(2, "w ", fmt.Sprintf("%.2f", d.Weight)))
		body = append(body, fmt.Sprintf("latent@%d = %.2f·%s + %.2f·%s", d.Step, d.Weight, s.Frame.sym(d.A), 1-d.Weight, s.Frame.sym(d.B)))
		body = append(body, "", st.Dim.Render("tab field · letter sets A/B · ←/→ change · enter applies · esc"))
	case ModeInput:
		title = d.Title
		body = append(body, d.Input)
		if d.Err != "" {
			body = append(body, "")
			for _, l := range strings.Split(d.Err, "\n") {
				body = append(body, st.Overlay.Error.Render(l))
			}
		}
		if d.Hint != "" {
			body = append(body, "")
			for _, l := range wrap(d.Hint, iw) {
				body = append(body, st.Dim.Render(l))
			}
		}
	case ModeToggles:
		title = "Panels and lanes"
		for i, t := range toggleItems {
			mark := "[ ]"
			if *t.at(&s.Show) {
				mark = "[x]"
			}
			body = append(body, fmt.Sprintf("%s %s  %s", mark, st.Bold.Render(t.key), t.label))
			items = append(items, [2]int{len(body) - 1, 0})
			_ = i
		}
		body = append(body, "", st.Dim.Render("press a key to toggle · click an item · esc closes"))
	default:
		return nil, 0, 0, nil
	}
	bw = max(10, min(bw, s.Width))
	iw = bw - 4
	bh := min(len(body)+2, s.Height)
	content := make([]string, len(body))
	for i, l := range body {
		content[i] = " " + fit(l, iw) + " "
	}
	lines = boxOverlay(st, title, content, bw, bh)
	x = max(0, (s.Width-bw)/2)
	y = max(0, (s.Height-bh)/2)
	for i, it := range items {
		row := y + 1 + it[0]
		if row >= y+bh-1 {
			continue
		}
		w := 5
		if s.Mode == ModeToggles {
			w = iw
		}
		hits = append(hits, hit{Rect{x + 2 + it[1], row, w, 1}, i})
	}
	return lines, x, y, hits
}

func boxOverlay(st *Styles, title string, content []string, w, h int) []string {
	s := *st
	s.Panel.Border = st.Overlay.Box
	s.Panel.Title = st.Overlay.Title
	return box(&s, title, content, w, h, false)
}

// OverlayItemAt is the index of the overlay item (a picker token, a
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

// toggle is one item of the panels-and-lanes menu.
type toggle struct {
	key, label string
	at         func(*Visibility) *bool
}

var toggleItems = []toggle{
	{"t", "problem tree", func(v *Visibility) *bool { return &v.Tree }},
	{"j", "trajectory", func(v *Visibility) *bool { return &v.Trajectory }},
	{"k", "nearest tokens", func(v *Visibility) *bool { return &v.Nearest }},
	{"x", "hypothesis mixture", func(v *Visibility) *bool { return &v.Mixture }},
	{"l", "lanes panel", func(v *Visibility) *bool { return &v.Lanes }},
	{"r", "lane: reasoner", func(v *Visibility) *bool { return &v.Reasoner }},
	{"m", "lane: mono-talker", func(v *Visibility) *bool { return &v.Mono }},
	{"d", "lane: dual-talker", func(v *Visibility) *bool { return &v.Dual }},
	{"b", "lane: baseline", func(v *Visibility) *bool { return &v.Baseline }},
}

// ToggleKey flips the item whose key is k; it reports whether k names one.
func (v *Visibility) ToggleKey(k string) bool {
	for _, t := range toggleItems {
		if t.key == k {
			p := t.at(v)
			*p = !*p
			return true
		}
	}
	return false
}

// ToggleIndex flips item i of the menu.
func (v *Visibility) ToggleIndex(i int) {
	if i >= 0 && i < len(toggleItems) {
		p := toggleItems[i].at(v)
		*p = !*p
	}
}

func newHelp() help.Model { return help.New() }
