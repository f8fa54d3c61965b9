package views

import (
	"fmt"
	"strings"

	"jrx/engine"
	"jrx/tasks/cfg"
)

// The grammar task's panel: the parse view (the task's own view; the only
// place in views that knows the grammar task). It shows the end of the
// prefix, each lane's continuation with the point where it stops being a
// valid prefix of the grammar marked, and the derivation of the clean
// run's continuation at the selected step: the open non-terminals, level
// by level — "this symbol broke the sentence here, and this lane never
// recovered".
func init() {
	RegisterTaskPanel(cfg.Name, Panel{
		ID: "parse", Label: "parse view", Key: "t", Place: PlaceSide,
		Size: func(c PanelCtx) Want { return Want{W: 44, MinW: 30} },
		Title: func(c PanelCtx) string {
			if p := c.Frame.grammar(); p != nil && !c.Compact {
				return fmt.Sprintf("Parse · %d-symbol prefix, %d levels", len(p.Prefix()), p.Task().Grammar().Levels())
			}
			return "Parse"
		},
		Render: func(c PanelCtx, w, h int) []string {
			return renderParse(c.Styles, c.Frame, c.Show, c.Sel, w, h, c.Compact)
		},
	})
}

// grammar is the frame's grammar problem, nil for another task's.
func (f *Frame) grammar() *cfg.Problem {
	if f == nil || f.Problem == nil {
		return nil
	}
	p, _ := f.Problem.(*cfg.Problem)
	return p
}

// ParseLane is one lane's continuation checked by the grammar: its symbols
// so far (thought steps, which have no symbol, are -1) and the first step
// (1-based) from which prefix + continuation cannot be a valid prefix, 0
// while it can. A thought stands for some symbol (COCONUT's thoughts
// replace the first answer symbols), so a continuation with thoughts is
// valid when some terminals in their place make it valid. An [EOS] is
// valid where the sentence can end.
type ParseLane struct {
	Tokens []int
	Bad    int
}

// CheckContinuation checks a lane's tokens after the problem's prefix (see
// cfg.Problem.CheckContinuation).
func CheckContinuation(p *cfg.Problem, toks []int) ParseLane {
	return ParseLane{Tokens: toks, Bad: p.CheckContinuation(toks)}
}

func renderParse(st *Styles, f *Frame, show Visibility, sel, w, h int, compact bool) []string {
	p := f.grammar()
	if p == nil || w <= 0 || h <= 0 {
		return nil
	}
	g := p.Task().Grammar()
	var out []string
	// The prefix, its end shown: what the models continue.
	pre := p.Prefix()
	tail := min(len(pre), max(8, w-12))
	var b strings.Builder
	for _, x := range pre[len(pre)-tail:] {
		b.WriteString(cfg.TerminalName(x))
	}
	lead := "…"
	if tail == len(pre) {
		lead = ""
	}
	out = append(out, st.Dim.Render("prefix ")+lead+b.String())
	out = append(out, "")
	// Each lane's continuation, aligned by step, its first invalid symbol
	// marked ✗ and the rest dimmed.
	truth := p.Answer()
	row := func(label string, toks []int, bad int) string {
		var sb strings.Builder
		sb.WriteString(fit(label, 12))
		for i, tok := range toks {
			cell := f.sym(tok)
			if tok < 0 {
				cell = "~" // a continuous thought
			}
			switch {
			case bad > 0 && i+1 == bad:
				cell = st.Verdict.Wrong.Render(cell + "✗")
			case bad > 0 && i+1 > bad:
				cell = st.Dim.Render(cell)
			case i+1 == sel:
				cell = st.Cell.Selected.Render(cell)
			}
			sb.WriteString(" " + cell)
		}
		return sb.String()
	}
	out = append(out, row("sentence", truth[:min(len(truth), max(f.Taken(), 1))], 0))
	for _, info := range f.LaneInfo {
		if !show.Lane(info.Name) {
			continue
		}
		toks := engine.LaneTokens(f.Snaps, info.Name)
		pl := CheckContinuation(p, toks)
		line := row(info.Label, toks, pl.Bad)
		switch {
		case len(toks) == 0:
		case pl.Bad > 0:
			// The long form where it fits the panel, else a short one (the
			// symbol itself is marked ✗ either way).
			note := fmt.Sprintf("  invalid from step %d", pl.Bad)
			if width(line)+width(note) > w {
				note = fmt.Sprintf("  invalid @%d", pl.Bad)
			}
			line += st.Verdict.Wrong.Render(note)
		default:
			line += st.Verdict.Correct.Render("  valid")
		}
		out = append(out, line)
	}
	if compact {
		return out
	}
	// The derivation of the clean run's continuation up to the selected
	// step: the non-terminals open over the selected symbol, root first.
	out = append(out, "", st.Dim.Render("derivation of the sentence at the selected step:"))
	clean := f.Clean
	if len(clean) == 0 {
		clean = f.Snaps
	}
	if sel < 1 || sel > len(clean) {
		return append(out, st.Dim.Render("  step to see it"))
	}
	s := p.Prefix()
	for _, tok := range truth[:sel] {
		if tok >= 0 && tok < cfg.NumTerminals {
			s = append(s, tok)
		}
	}
	d, err := g.Derive(s)
	if err != nil {
		return append(out, st.Dim.Render("  "+err.Error()))
	}
	for lvl, sp := range d.At(len(s) - 1) {
		open := ""
		if sp.Open {
			open = " (open)"
		}
		out = append(out, fmt.Sprintf("  %s%s %s%s", strings.Repeat(" ", lvl), g.Name(sp.NT),
			st.Dim.Render(fmt.Sprintf("rule %d, symbols %d–%d", sp.Rule+1, sp.Start+1, sp.End)), open))
	}
	return out
}
