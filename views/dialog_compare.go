package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Compare is the compare view: the run on screen against its clean run
// (and, while a fork is shown, the fork against the run), step by step —
// the latents' cosine and max |Δ|, the nearest tokens, the lanes' tokens
// that differ — then the lanes whose answers differ and the first
// divergence (engine.DiffSnapshots, a pure function of the frame's
// snapshots). It scrolls like the help screen.
type Compare struct {
	Keys   CompareKeys
	Offset int
	W, H   int
	frame  *Frame
	// File and FileDiff: a session file compared with the run
	// (engine.DiffRecords, the file's run first), shown first.
	File     string
	FileDiff *engine.Diff
}

// OpenCompare asks the app for a session file to compare the run with.
type OpenCompare struct{}

func (OpenCompare) action() {}

// NewCompare opens the compare view.
func NewCompare(keys CompareKeys) Compare { return Compare{Keys: keys} }

// WithFile is d showing the diff of the session file path against the run.
func (d Compare) WithFile(path string, df engine.Diff) Compare {
	d.File, d.FileDiff = path, &df
	d.Offset = 0
	return d
}

// ID implements Dialog.
func (Compare) ID() string { return "compare" }

// Resize implements Sizer.
func (d Compare) Resize(w, h int) Dialog {
	d.W, d.H = w, h
	return d
}

// Update implements Dialog.
func (d Compare) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	ov := d.View(c)
	switch {
	case key.Matches(k, d.Keys.Close):
		return d, Close{}
	case key.Matches(k, d.Keys.Open):
		return d, OpenCompare{}
	default:
		d.Offset = d.Keys.HelpKeys.scroll(k, d.Offset, ov, c)
	}
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d Compare) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Compare) View(c DialogCtx) Overlay {
	ov := d.body(c)
	ov.Body = append(ov.Body, hintLines(c.Styles, ov.W-4, d.ShortHelp()...)...)
	return ov
}

// body is the view without its key hints.
func (d Compare) body(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 80)
	ov := Overlay{W: bw, Title: "Compare", Scroll: d.Offset}
	f := c.Frame
	if d.FileDiff != nil && f != nil {
		ov.Body = append(ov.Body, st.Bold.Render("The run against "+d.File)+st.Dim.Render(" (file → run)"))
		for _, n := range d.FileDiff.Notes {
			ov.Body = append(ov.Body, st.Dim.Render(fit(n, bw-4)))
		}
		ov.Body = append(ov.Body, diffLines(st, f, *d.FileDiff)...)
		ov.Body = append(ov.Body, "")
	}
	switch {
	case f == nil || f.Taken() == 0:
		ov.Body = append(ov.Body, st.Dim.Render("no steps taken yet"))
	case len(f.Injections) == 0 || len(f.Clean) == 0:
		ov.Body = append(ov.Body, st.Dim.Render("no injections: the run is its clean run"))
	default:
		clean := f.Clean[:min(f.Taken(), len(f.Clean))]
		ov.Body = append(ov.Body, st.Bold.Render("The run against its clean run")+st.Dim.Render(" (clean → run)"))
		ov.Body = append(ov.Body, diffLines(st, f, engine.DiffSnapshots(clean, f.Snaps))...)
	}
	if fk := forkOf(f); fk != nil {
		ov.Body = append(ov.Body, "", st.Bold.Render("The fork against the run")+st.Dim.Render(" (run → fork; "+forkLabel(fk)+")"))
		ov.Body = append(ov.Body, diffLines(st, f, engine.DiffSnapshots(f.Snaps, fk.Snaps))...)
	}
	ov.Body = append(ov.Body, "")
	return ov
}

// diffLines draws a diff: the first divergence, a line per step, the
// lanes whose answers differ.
func diffLines(st *Styles, f *Frame, df engine.Diff) []string {
	var out []string
	if df.FirstDivergence == 0 {
		return append(out, "identical: every latent bit and every token")
	}
	out = append(out, fmt.Sprintf("first divergence: step %d", df.FirstDivergence))
	out = append(out, st.Dim.Render("step  cosine   max|Δ|   nearest    lanes that differ"))
	for _, s := range df.Steps {
		near := f.sym(s.NearestA)
		if s.NearestA != s.NearestB {
			near += "→" + f.sym(s.NearestB)
		}
		var lanes []string
		for _, l := range s.Lanes {
			lanes = append(lanes, fmt.Sprintf("%s %s→%s", laneShort(f, l.Lane), f.sym(l.A), f.sym(l.B)))
		}
		line := fmt.Sprintf("%4d  %6.3f  %7.4f   %-9s  %s", s.Step, s.Cosine, s.MaxAbs, near, strings.Join(lanes, ", "))
		if s.Differs {
			line = st.Status.Error.Render("!") + line[1:]
		}
		out = append(out, line)
	}
	for _, l := range df.Lanes {
		out = append(out, fmt.Sprintf("%s: %s → %s (from step %d)", laneShort(f, l.Lane), tokensText(f, l.A), tokensText(f, l.B), l.FirstDivergence))
	}
	return out
}

func laneShort(f *Frame, name string) string {
	if l, ok := f.laneInfo(name); ok && l.Label != "" {
		return l.Label
	}
	return name
}

func tokensText(f *Frame, toks []int) string {
	if len(toks) == 0 {
		return "—"
	}
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(f.sym(t))
	}
	return b.String()
}

// ShortHelp implements help.KeyMap: scrolling only when there is
// something to scroll (the frame is not known here: the app keeps the
// size and the frame's taken steps current through Resize and Of).
func (d Compare) ShortHelp() []key.Binding {
	scroll, page := d.Keys.Scroll, d.Keys.Page
	can := false
	if d.W > 0 && d.frame != nil {
		ov := d.body(DialogCtx{Styles: PlainStyles(), Frame: d.frame, Width: d.W, Height: d.H})
		ov.Body = append(ov.Body, "") // the hint line
		can = ScrollMax(ov, d.W, d.H) > 0
	}
	scroll.SetEnabled(can)
	page.SetEnabled(can)
	return []key.Binding{scroll, page, d.Keys.Open, d.Keys.Close}
}

// Of is d knowing the frame it compares (for its help bar).
func (d Compare) Of(f *Frame) Compare {
	d.frame = f
	return d
}

// FullHelp implements help.KeyMap.
func (d Compare) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
