package main

import (
	"fmt"
	"io"

	"jrx/engine"
	"jrx/internal/termplot"
)

// printContainmentBars draws the token-error table as propagation-by-step
// bars, one block per forced lane.
func printContainmentBars(w io.Writer, rep engine.ContainmentReport) {
	if len(rep.Injected) == 0 {
		return
	}
	info := map[string]engine.LaneInfo{}
	for _, l := range rep.Lanes {
		info[l.Name] = l
	}
	fmt.Fprintln(w, "\nA wrong token forced at one step: propagated (% of problems), by step")
	for j, l := range rep.Injected[0].Lanes {
		if !l.Forced {
			continue
		}
		var bars []termplot.Bar
		for _, r := range rep.Injected {
			bars = append(bars, termplot.Bar{Label: fmt.Sprintf("step %d", r.Step), Value: 100 * r.Lanes[j].Propagated})
		}
		fmt.Fprintf(w, "%s\n", info[l.Lane].Label)
		for _, line := range termplot.Bars(bars, 100, 40, "%.1f") {
			fmt.Fprintln(w, "  "+line)
		}
	}
}
