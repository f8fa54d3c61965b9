// Package termplot draws small figures as terminal text, with no terminal
// library: a scatter plot in braille dots (each cell holds 2×4 dots) with
// labelled points, and horizontal bars in eighth-block characters. The
// output is plain lines of runes, one rune per column, so any view (the
// explorer's panels, the CLI) can place them; it holds no styles.
//
// Invariants: every line has exactly the requested width in runes; the
// same input gives the same lines; non-finite values are skipped, never
// drawn at an edge.
//
// Example:
//
//	lines := termplot.Scatter([]termplot.Point{{X: 0, Y: 0}, {X: 1, Y: 1, Label: 'A'}}, 20, 6)
//	fmt.Println(strings.Join(lines, "\n"))
package termplot
