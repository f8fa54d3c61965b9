package views

import (
	"fmt"
	"math"
	"strings"
)

// trajLabelW is the width of the row labels of the trajectory and the
// lanes' step columns start after laneLabelW.
const trajLabelW = 7

// stepCells says how step columns fit in avail cells: the cell width, the
// first step shown (1-based) and how many are shown, keeping sel visible.
func stepCells(avail, steps, sel, minW, maxW int) (cw, first, n int) {
	if steps <= 0 || avail < minW {
		return minW, 1, 0
	}
	cw = max(minW, min(maxW, avail/steps))
	n = min(steps, avail/cw)
	first = 1
	if sel > n {
		first = sel - n + 1
	}
	return cw, first, n
}

// TrajectoryRows is the number of rows of the trajectory panel.
func TrajectoryRows(compact bool) int {
	if compact {
		return 3
	}
	return 4
}

// trajCellMax is the widest a trajectory step cell grows.
func trajCellMax(large bool) int { return pickInt(large, 18, 10) }

func renderTrajectory(st *Styles, f *Frame, sel, w, h int, compact, large bool) []string {
	if f == nil || w <= 0 {
		return nil
	}
	cw, first, n := stepCells(w-trajLabelW, f.Steps, sel, 4, trajCellMax(large))
	rows := []string{"step", "angle", "top-1", "margin"}[:min(4, TrajectoryRows(compact))]
	out := make([]string, len(rows))
	// Angles are scaled to the largest shown; cosines and margins are
	// absolute in [0, 1].
	maxAngle := 1.0
	for t := first; t < first+n; t++ {
		if sn := f.Snap(t); sn != nil {
			maxAngle = math.Max(maxAngle, sn.Angle)
		}
	}
	for r, name := range rows {
		var sb strings.Builder
		sb.WriteString(st.Dim.Render(fit(name, trajLabelW)))
		for t := first; t < first+n; t++ {
			sn := f.Snap(t)
			var cell string
			style := st.Cell.Normal
			switch r {
			case 0:
				tok := "·"
				if sn != nil && len(sn.NearestTarget) > 0 {
					tok = f.sym(sn.NearestTarget[0].Token)
				}
				lead, mark := " ", ""
				if t == sel {
					lead = "▸"
				}
				if len(f.injectedAt(t)) > 0 {
					mark = "*"
				}
				cell = fmt.Sprintf("%s%d%s %s", lead, t, mark, tok)
				switch {
				case t == sel:
					style = st.Cell.Selected
				case sn == nil:
					style = st.Cell.Pending
				}
				sb.WriteString(style.Render(fit(cell, cw-1)) + " ")
				continue
			case 1:
				if sn != nil {
					if t == 1 {
						cell = " –"
					} else {
						cell = " " + st.Spark.Render(sparkChar(sn.Angle/maxAngle))
						if cw >= 7 {
							cell += fmt.Sprintf("%3.0f°", sn.Angle)
						}
					}
				}
			case 2:
				if sn != nil && len(sn.NearestTarget) > 0 {
					c := sn.NearestTarget[0].Cos
					cell = " " + st.Spark.Render(sparkChar(c))
					if cw >= 6 {
						cell += " " + dec(c)
					}
				}
			case 3:
				if sn != nil {
					cell = " " + st.Spark.Render(sparkChar(sn.Margin))
					if cw >= 6 {
						cell += " " + dec(sn.Margin)
					}
				}
			}
			if sn == nil {
				cell = st.Cell.Pending.Render(" ·")
			}
			sb.WriteString(fit(cell, cw))
		}
		if first > 1 || first+n-1 < f.Steps {
			sb.WriteString(st.Dim.Render(fmt.Sprintf(" %d–%d of %d", first, first+n-1, f.Steps)))
		}
		out[r] = sb.String()
	}
	return out
}

// dec is a value in [-1, 1] in three or four cells: ".98", "1.0", "-.12".
func dec(v float64) string {
	switch {
	case v >= 0.995:
		return "1.0"
	case v <= -0.995:
		return "-1.0"
	case v < 0:
		return fmt.Sprintf("-.%02d", int(-v*100+0.5))
	}
	return fmt.Sprintf(".%02d", int(v*100+0.5))
}

// TrajectoryStepAt is the step whose cell is at (x, y) in a trajectory
// panel drawn in r (in the large layout when large), or 0.
func TrajectoryStepAt(r Rect, steps, sel, x, y int, large bool) int {
	return trajectoryStepAt(r.inner(), steps, sel, x, y, large)
}

func trajectoryStepAt(in Rect, steps, sel, x, y int, large bool) int {
	if !in.Contains(x, y) {
		return 0
	}
	cw, first, n := stepCells(in.W-trajLabelW, steps, sel, 4, trajCellMax(large))
	dx := x - in.X - trajLabelW
	if dx < 0 || cw <= 0 {
		return 0
	}
	i := dx / cw
	if i >= n {
		return 0
	}
	return first + i
}
