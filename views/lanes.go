package views

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"

	"jrx/engine"
)

const laneLabelW = 12

func verdictW(compact bool) int {
	if compact {
		return 15
	}
	return 26
}

// laneRow is one row of the lanes panel.
type laneRow struct {
	info  engine.LaneInfo // zero for the truth
	label string
	// fork: the row is the lane in the fork (Frame.Fork), compared with
	// the same lane in the run.
	fork bool
}

// laneRows are the rows the lanes panel shows: the truth, then the frame's
// lanes (Frame.LaneInfo) that Visibility shows.
func laneRows(f *Frame, show Visibility) []laneRow {
	rows := []laneRow{{label: "truth"}}
	if f == nil {
		return rows
	}
	if f.grammar() != nil {
		// One of many right continuations: the lanes are judged by the
		// parser (docs/VERDICTS.md), not by this row.
		rows[0].label = "sentence"
	}
	for _, l := range f.LaneInfo {
		if show.Lane(l.Name) {
			rows = append(rows, laneRow{info: l, label: l.Label})
		}
	}
	if f.Fork != nil {
		for _, l := range f.Fork.LaneInfo {
			if show.Lane(l.Name) {
				rows = append(rows, laneRow{info: l, label: "fork " + l.Short, fork: true})
			}
		}
	}
	return rows
}

// lanesRows is the number of rows the lanes panel wants.
func lanesRows(f *Frame, show Visibility, compact bool) int {
	n := 1 + len(laneRows(f, show)) + 1 // header, lanes, legend
	if !compact {
		n += 3 // what happened
	}
	return n
}

// latentChange formats a latent change: exactly 0 prints as "0".
func latentChange(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// renderLanes aligns the lanes by step: the truth, the Reasoner's read-out,
// the Talkers and the baseline, with injected and diverging tokens marked
// and each lane's verdict at the end.
func renderLanes(c PanelCtx, w, h int) []string {
	st, f, sel, compact := c.Styles, c.Frame, c.Sel, c.Compact
	if f == nil {
		return nil
	}
	vw := verdictW(compact)
	cw, first, n := stepCells(w-laneLabelW-vw, f.Steps, sel, 5, laneCellMax(c.Large))
	taken := f.Taken()
	var out []string

	// Header: step numbers.
	var sb strings.Builder
	sb.WriteString(st.Dim.Render(fit("step", laneLabelW)))
	for t := first; t < first+n; t++ {
		lead := " "
		if t == sel {
			lead = "▸"
		}
		c := fit(fmt.Sprintf("%s%d", lead, t), cw-1)
		switch {
		case t == sel:
			c = st.Cell.Selected.Render(c)
		case t > taken:
			c = st.Cell.Pending.Render(c)
		default:
			c = st.Dim.Render(c)
		}
		sb.WriteString(c + " ")
	}
	sb.WriteString(st.Dim.Render(" verdict"))
	out = append(out, sb.String())

	for _, row := range laneRows(f, c.Show) {
		sb.Reset()
		sb.WriteString(fit(row.label, laneLabelW))
		name := row.info.Name
		var lane *engine.Lane
		var toks []int
		var forced []bool
		var ref []int
		rowTaken := taken
		var forkStep int
		switch {
		case name == "":
			toks = f.Answer
		case row.fork:
			// The fork's lane, marked where it differs from the run's
			// ("!") and at the fork's step ("*").
			if lane = f.Fork.Lane(name); lane != nil {
				toks, forced = lane.Tokens, lane.Forced
				if rl := f.Lane(name); rl != nil {
					ref = rl.Tokens
				}
				rowTaken = f.Fork.Taken()
				forkStep = forkStepOf(f.Fork)
			}
		default:
			if lane = f.Lane(name); lane != nil {
				toks, forced = lane.Tokens, lane.Forced
				ref = f.cleanTokens(name, taken)
			}
		}
		for t := first; t < first+n; t++ {
			i := t - 1
			if t > rowTaken || i >= len(toks) {
				if name == "" && i < len(toks) {
					sb.WriteString(st.Dim.Render(fit(" "+f.sym(toks[i]), cw)))
				} else {
					sb.WriteString(st.Cell.Pending.Render(fit(" ·", cw)))
				}
				continue
			}
			tok := f.sym(toks[i])
			isForced := (i < len(forced) && forced[i]) || (forkStep > 0 && t == forkStep)
			differs := i < len(ref) && ref[i] != toks[i]
			mark := ""
			style := st.Cell.Normal
			switch {
			case isForced:
				mark = "*"
				style = st.Token.Injected
			case differs:
				mark = "!"
				style = st.Token.Diverged
			case name != "" && toks[i] != f.Truth(t):
				style = st.Token.Wrong
			case name == "":
				style = st.Token.Truth
			}
			if isForced && differs {
				mark = "*"
			}
			sb.WriteString(fit(" "+style.Render(tok+mark), cw))
		}
		if lane != nil && taken > 0 {
			vs, glyph := st.verdict(lane.Verdict)
			v := vs.Render(glyph + " " + lane.Verdict)
			if row.info.Kind == engine.KindReadout {
				d := "Δlatent " + latentChange(lane.MaxLatentChange)
				if compact {
					v = vs.Render(glyph) + " " + d
				} else {
					v += "  " + d
				}
			}
			sb.WriteString(" " + v)
		}
		out = append(out, sb.String())
	}

	legend := "* injected  ! differs from the clean run  Δlatent = max|r−r_clean|, 0 = contained by construction"
	if compact {
		legend = "* injected  ! differs from clean run  Δlatent: 0 = contained"
	}
	if f.Fork != nil {
		legend = forkLabel(f.Fork) + " rows: * the fork's step  ! differs from the run  (F leaves it)"
		if c.Keys != nil {
			legend = strings.Replace(legend, "F leaves", keyName(c.Keys, func(k *MainKeys) key.Binding { return k.Unfork }, "F")+" leaves", 1)
		}
	}
	out = append(out, st.Dim.Render(legend))
	if !compact {
		for _, l := range narrative(f, c.Keys) {
			out = append(out, wrap(l, w)...)
		}
	}
	return out
}

// narrative says in words what the lanes show; the keys it names are the
// bindings that do it.
func narrative(f *Frame, keys *MainKeys) []string {
	if f.Taken() == 0 {
		return []string{"Step with " + keyName(keys, func(k *MainKeys) key.Binding { return k.Step }, "→") +
			" to run the Reasoner one latent at a time; the Talkers and the baseline follow in lockstep."}
	}
	if len(f.Injections) == 0 {
		return []string{injectHint(f, keys)}
	}
	var parts []string
	for _, l := range f.Summary.Lanes {
		info, _ := f.laneInfo(l.Name)
		title := titleCase(info.Label)
		if title == "" {
			title = titleCase(l.Name)
		}
		ref := f.cleanTokens(l.Name, f.Taken())
		// The first step the lane chose itself that differs from the clean run.
		first := l.Left
		if first == 0 {
			for i, tok := range l.Tokens {
				if i < len(ref) && tok != ref[i] && !(i < len(l.Forced) && l.Forced[i]) {
					first = i + 1
					break
				}
			}
		}
		off := func() string {
			return fmt.Sprintf("left the clean run at step %d (%s where the clean run has %s)", first, f.sym(l.Tokens[first-1]), f.sym(ref[first-1]))
		}
		switch {
		case info.Kind == engine.KindReadout && l.MaxLatentChange == 0:
			parts = append(parts, title+": latent change 0, it never reads a sampled token.")
		case info.Kind == engine.KindReadout:
			parts = append(parts, fmt.Sprintf("%s: its latents changed (max %s) under a latent-level injection.", title, latentChange(l.MaxLatentChange)))
		case l.Verdict == engine.VerdictPending && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s; pending: it may still rejoin.", title, off()))
		case l.Verdict == engine.VerdictPending && anyTrue(l.Forced):
			parts = append(parts, fmt.Sprintf("%s: matches the clean run so far; pending until it finishes.", title))
		case l.Verdict == engine.VerdictPropagated && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s and is still off at the end: propagated.", title, off()))
		case l.Verdict == engine.VerdictRecovered && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s, back on it from step %d: recovered.", title, off(), l.Rejoined))
		case l.Verdict == engine.VerdictContained:
			parts = append(parts, fmt.Sprintf("%s: every token it chose itself matches the clean run: contained.", title))
		}
		if l.Stopped > 0 && info.Kind != engine.KindReadout {
			var ans []string
			for _, tok := range l.Tokens[:l.Stopped-1] {
				ans = append(ans, f.sym(tok))
			}
			parts = append(parts, fmt.Sprintf("%s's answer ends at step %d ([EOS]): a user would receive %q; the steps after it show what it does if made to go on.",
				title, l.Stopped, strings.Join(ans, " ")))
		}
	}
	return []string{strings.Join(parts, " ")}
}

// keyName is the first key of the binding of keys that which picks, as
// its help names it ("→" of "→/space"), or def without a key map.
func keyName(keys *MainKeys, which func(*MainKeys) key.Binding, def string) string {
	if keys == nil {
		return def
	}
	k, _, _ := strings.Cut(which(keys).Help().Key, "/")
	return k
}

// injectHint says which keys inject what, from the bindings.
func injectHint(f *Frame, keys *MainKeys) string {
	if keys == nil {
		return "Select a step and inject an error."
	}
	var lanes []string
	for _, lk := range keys.Inject {
		for _, l := range f.LaneInfo {
			if l.Inject == lk.Lane {
				lanes = append(lanes, fmt.Sprintf("%s (%s)", lk.Binding.Help().Key, LaneNoun(l)))
			}
		}
	}
	s := "Select a step and "
	if len(lanes) > 0 {
		s += "inject a token error with " + strings.Join(lanes, " or ") + ", or "
	}
	return s + fmt.Sprintf("change the latent with %s (noise) or %s (surgery).", keys.Noise.Help().Key, keys.Surgery.Help().Key)
}

// laneCellMax is the widest a lane's step cell grows.
func laneCellMax(large bool) int { return pickInt(large, 14, 8) }

// LanesStepAt is the step whose column is at (x, y) in a lanes panel drawn
// in r (in the compact or the large layout), or 0.
func LanesStepAt(r Rect, steps, sel, x, y int, compact, large bool) int {
	return lanesStepAt(r.inner(), steps, sel, x, y, compact, large)
}

func lanesStepAt(in Rect, steps, sel, x, y int, compact, large bool) int {
	if !in.Contains(x, y) {
		return 0
	}
	cw, first, n := stepCells(in.W-laneLabelW-verdictW(compact), steps, sel, 5, laneCellMax(large))
	dx := x - in.X - laneLabelW
	if dx < 0 || cw <= 0 || dx/cw >= n {
		return 0
	}
	return first + dx/cw
}

func anyTrue(b []bool) bool {
	for _, x := range b {
		if x {
			return true
		}
	}
	return false
}
