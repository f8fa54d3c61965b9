// Package views renders engine snapshots into the explorer's panels: the
// problem tree (route so far, target, the selected latent's hypothesis
// weights on the nodes), the trajectory (one cell per latent step, with
// angle, top-1 cosine and margin sparklines), nearest tokens, the
// hypothesis mixture with the sibling-plane coefficients, the lanes (truth,
// Reasoner, Mono-Talker, Dual-Talker, baseline, with injected and diverging
// tokens marked and a verdict per lane), the status line, the help bar and
// the dialogs.
//
// It holds one Styles struct (NewStyles for a light or dark background,
// PlainStyles for NO_COLOR), one KeyMap whose bindings SetState enables
// from the state (so the help bar lists only keys that work now), and a
// pure layout function, Compute, from the terminal size and the measured
// chrome to rectangles, with a compact mode under FullWidth × FullHeight
// and a "terminal too small" screen under MinWidth × MinHeight.
//
// Invariants: views never calls a model; a Frame holds values copied out
// of a session, so Render(screen) is a pure function (the same Screen gives
// the same string); Render returns exactly Height lines, none wider than
// Width; the layout's panels tile the body. Hit tests (TrajectoryStepAt,
// LanesStepAt, OverlayItemAt) use the same geometry as the drawing.
//
// Example:
//
//	s := views.Screen{Width: 120, Height: 40, Styles: views.NewStyles(true),
//		Keys: views.DefaultKeyMap(), Help: help.New(), Frame: frame, Sel: 2,
//		Show: views.AllVisible()}
//	fmt.Println(views.Render(s))
package views
