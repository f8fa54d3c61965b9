// Package captures keeps the screens shown in README.md and docs/*.md equal
// to what the binary draws: every capture there is a fenced code block
// between marker comments that give the exact command, keys and terminal
// size,
//
//	<!-- capture: jrx --seed 1 | keys: → → b . | size: 120x40 -->
//	```
//	…the screen…
//	```
//	<!-- /capture -->
//
// and `make docs` (go run ./internal/captures/makedocs) regenerates them.
// A test (test/docs_test.go) fails when a committed capture differs from
// what the binary renders now.
//
// Render draws a capture by driving the app's root model (app.Model) with
// the options cmd/jrx makes for that command line, the embedded model set,
// the terminal size and the keys, each key handled and its work finished
// before the next, then strips the colours and trailing spaces: the text
// tmux capture-pane -p shows of the real binary (test/tour_e2e_test.go
// compares the two in tmux).
//
// A capture may name a seed measurement (| seed: flagship): the first seed
// at which a problem shows what the capture is about, found with the engine
// (Seeds, as a lesson of package tour with expectations); the check fails
// when the marker's --seed is not the measured one, and make docs rewrites
// it.
package captures
