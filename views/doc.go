// Package views renders engine snapshots into the explorer's screen and
// holds its dialogs as small components.
//
// Panels: the main screen is a list of Panels (panel.go), each with an ID,
// a place in the layout, a size preference, a title, a render function
// and, where clicks select steps, a hit test. The task contributes its own
// panel through RegisterTaskPanel, keyed by the task's name (Frame.Task):
// the tree task's drawing (tree.go, the one file here that knows that task)
// shows the route so far, the target and the selected latent's hypothesis
// weights on the nodes; a task without a panel gets none. The others are
// the trajectory (one cell per latent step, with angle, top-1 cosine and
// margin sparklines), nearest tokens, the hypothesis mixture, and the lanes
// (the truth, then the set's lanes from Frame.LaneInfo, with injected and
// diverging tokens marked and a verdict per lane; while a fork is shown,
// Frame.Fork's lanes follow, marked where they differ from the run).
// Visibility hides panels by ID and lanes by name.
//
// Dialogs (dialog*.go): the token picker, noise, surgery, the text input,
// the file picker (bubbles' filepicker), the panels-and-lanes menu, help,
// and the debugger's breakpoint list, fork, compare view and batch each
// implement Dialog: a value with its own bindings (its part of
// the KeyMap), an Update that returns the changed dialog and an Action for
// the app (Close, Inject, Submit, ToggleShown, Run, SetBreaks, StartBatch),
// a View and its help
// bindings; every key hint a dialog draws comes from those bindings
// (hintLines). A body taller than the screen scrolls (Overlay.Scroll).
//
// It holds one Styles struct (NewStyles for a light or dark background,
// ContrastStyles for the presenter, PlainStyles for NO_COLOR; WithASCII
// folds any of them to ASCII characters of the same width), one KeyMap
// nested per context (Main, Picker, Noise, Surgery, Input, Files,
// Toggles, Help) whose main bindings SetState
// enables from the state (so the help bar lists only keys that work now,
// and shows the open dialog's own bindings while one is open), and a pure
// layout function, Compute, from the terminal size, the measured chrome
// and the shown panels' size preferences to rectangles, with a compact mode
// under FullWidth × FullHeight, a large mode from LargeWidth or
// LargeHeight (and in the presenter mode) where panels draw bigger, and a
// "terminal too small" screen under MinWidth × MinHeight. The help bar
// always keeps "? help" and "q quit", dropping the least useful hints
// first.
//
// Invariants: views never calls a model; a Frame holds values copied out
// of a session, dialogs, Visibility and the key map are values, so
// Render(screen) is a pure function (the same Screen gives the same
// string, and rendering changes nothing it is given); Render returns
// exactly Height lines, none wider than Width; the layout's panels tile
// the body. Hit tests (StepAt, OverlayItemAt) use the same geometry as the
// drawing.
//
// Example:
//
//	s := views.Screen{Width: 120, Height: 40, Styles: views.NewStyles(true),
//		Keys: views.DefaultKeyMap(), Help: help.New(), Frame: frame, Sel: 2,
//		Show: views.AllVisible()}
//	fmt.Println(views.Render(s))
package views
