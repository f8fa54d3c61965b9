// Package app is the Bubble Tea root model of the explorer (New, Options):
// focus and key routing between the main screen and its dialogs, and the
// commands that wrap engine calls. It is the only place where the UI and
// the engine meet.
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
