// Package app is the Bubble Tea root model of the explorer: focus, key
// routing, and commands that wrap engine calls. Results carry a run id so
// that late results of superseded work are dropped. It is the only place
// where the UI and the engine meet.
package app
