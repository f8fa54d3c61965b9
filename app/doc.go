// Package app is the Bubble Tea root model of the explorer (New, Options):
// a router and the commands that wrap engine calls. It is the only place
// where the UI and the engine meet.
//
// model.go routes: a key press goes to the open views.Dialog (which handles
// it with its own bindings and returns an Action) or to the main screen's
// bindings (actions.go, matched with key.Matches, never by literal key
// strings); a click goes to the dialog's item or to the panel's step cell
// (views.StepAt); a paste to a dialog that takes text. actions.go does what
// the bindings and the dialogs' Actions ask: opening dialogs, injecting,
// acting on submitted text, the injections' undo and redo history (per
// problem) and the problems N goes back to. jobs.go schedules the engine's
// work, ops.go holds the commands. debug.go is the debugger: the
// breakpoint list, run until (an op holding a context: esc or any
// superseding job cancels it), the fork (a second session from
// Session.ForkAt that every op moves along with the run; a superseding job
// drops it) and copy as command (tea.SetClipboard); batch.go applies the
// injections to fresh problems, one per command on sessions of its own,
// a newer batch or closing its dialog dropping the older one's results.
// Below views.MinWidth × MinHeight only
// quit and a resize act. A save or an open keeps its dialog open until
// its job is done: the job's error goes back into the dialog.
//
// Invariants: Update never calls the engine for anything that may take
// time (loading a model set, a new session, re-running after an injection,
// stepping, running to the end, replaying a session file): those run in
// tea.Cmds. Work that builds a new session bumps a generation, and a result
// that carries an older generation is dropped, so late results of
// superseded work never reach the screen. Work on the current session
// (step, undo, run to the end, reset, jump, save) is queued and runs one
// command at a time, because an engine.Session is not safe for concurrent
// use; the screen only ever reads a views.Frame copied out of the session
// by the command that used it.
//
// Example:
//
//	m := app.New(app.Options{Seed: 42})
//	_, err := tea.NewProgram(m).Run()
package app
