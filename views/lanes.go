package views

import (
	"fmt"
	"strconv"
	"strings"

	"jrx/engine"
)

const laneLabelW = 12

func verdictW(compact bool) int {
	if compact {
		return 15
	}
	return 26
}

// laneRow is one lane of the lanes panel.
type laneRow struct {
	name  string // engine lane name, or "" for the truth
	label string
}

func visibleLanes(show Visibility) []laneRow {
	rows := []laneRow{{"", "truth"}}
	if show.Reasoner {
		rows = append(rows, laneRow{engine.LaneReasoner, "reasoner"})
	}
	if show.Mono {
		rows = append(rows, laneRow{engine.LaneMono, "mono-talker"})
	}
	if show.Dual {
		rows = append(rows, laneRow{engine.LaneDual, "dual-talker"})
	}
	if show.Baseline {
		rows = append(rows, laneRow{engine.LaneBaseline, "baseline"})
	}
	return rows
}

// LanesRows is the number of rows the lanes panel wants.
func LanesRows(show Visibility, compact bool) int {
	n := 1 + len(visibleLanes(show)) + 1 // header, lanes, legend
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
func renderLanes(st *Styles, f *Frame, sel, w, h int, show Visibility, compact bool) []string {
	if f == nil {
		return nil
	}
	vw := verdictW(compact)
	cw, first, n := stepCells(w-laneLabelW-vw, f.Steps, sel, 5, 8)
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

	for _, row := range visibleLanes(show) {
		sb.Reset()
		sb.WriteString(fit(row.label, laneLabelW))
		lane := f.Lane(row.name)
		var toks []int
		var forced []bool
		var ref []int
		if row.name == "" {
			toks = f.Answer
		} else if lane != nil {
			toks, forced = lane.Tokens, lane.Forced
			ref = f.cleanTokens(row.name, taken)
		}
		for t := first; t < first+n; t++ {
			i := t - 1
			if t > taken || i >= len(toks) {
				if row.name == "" && i < len(toks) {
					sb.WriteString(st.Dim.Render(fit(" "+f.sym(toks[i]), cw)))
				} else {
					sb.WriteString(st.Cell.Pending.Render(fit(" ·", cw)))
				}
				continue
			}
			tok := f.sym(toks[i])
			isForced := i < len(forced) && forced[i]
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
			case row.name != "" && toks[i] != f.Truth(t):
				style = st.Token.Wrong
			case row.name == "":
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
			if row.name == engine.LaneReasoner {
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
	out = append(out, st.Dim.Render(legend))
	if !compact {
		for _, l := range narrative(f) {
			out = append(out, wrap(l, w)...)
		}
	}
	return out
}

// narrative says in words what the lanes show.
func narrative(f *Frame) []string {
	if f.Taken() == 0 {
		return []string{"Step with → to run the Reasoner one latent at a time; the Talkers and the baseline follow in lockstep."}
	}
	if len(f.Injections) == 0 {
		return []string{"Select a step and inject a token error with t (Dual-Talker) or b (baseline), or change the latent with z (noise) or m (surgery)."}
	}
	var parts []string
	for _, l := range f.Summary.Lanes {
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
		case l.Name == engine.LaneReasoner && l.MaxLatentChange == 0:
			parts = append(parts, "Reasoner: latent change 0, it never reads a sampled token.")
		case l.Name == engine.LaneReasoner:
			parts = append(parts, fmt.Sprintf("Reasoner: its latents changed (max %s) under a latent-level injection.", latentChange(l.MaxLatentChange)))
		case l.Verdict == engine.VerdictPending && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s; pending: it may still rejoin.", laneTitle(l.Name), off()))
		case l.Verdict == engine.VerdictPending && l.Forced != nil && anyTrue(l.Forced):
			parts = append(parts, fmt.Sprintf("%s: matches the clean run so far; pending until it finishes.", laneTitle(l.Name)))
		case l.Verdict == engine.VerdictPropagated && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s and is still off at the end: propagated.", laneTitle(l.Name), off()))
		case l.Verdict == engine.VerdictRecovered && first > 0:
			parts = append(parts, fmt.Sprintf("%s: %s, back on it from step %d: recovered.", laneTitle(l.Name), off(), l.Rejoined))
		case l.Verdict == engine.VerdictContained:
			parts = append(parts, fmt.Sprintf("%s: every token it chose itself matches the clean run: contained.", laneTitle(l.Name)))
		}
		if l.Stopped > 0 && l.Name != engine.LaneReasoner {
			var ans []string
			for _, tok := range l.Tokens[:l.Stopped-1] {
				ans = append(ans, f.sym(tok))
			}
			parts = append(parts, fmt.Sprintf("%s's answer ends at step %d ([EOS]): a user would receive %q; the steps after it show what it does if made to go on.",
				laneTitle(l.Name), l.Stopped, strings.Join(ans, " ")))
		}
	}
	return []string{strings.Join(parts, " ")}
}

func laneTitle(name string) string {
	switch name {
	case engine.LaneMono:
		return "Mono-Talker"
	case engine.LaneDual:
		return "Dual-Talker"
	case engine.LaneBaseline:
		return "Baseline"
	}
	return "Reasoner"
}

// LanesStepAt is the step whose column is at (x, y) in a lanes panel drawn
// in r, or 0.
func LanesStepAt(r Rect, steps, sel, x, y int, compact bool) int {
	in := r.inner()
	if !in.Contains(x, y) {
		return 0
	}
	cw, first, n := stepCells(in.W-laneLabelW-verdictW(compact), steps, sel, 5, 8)
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
