// Package tour runs the explorer's guided tour: lessons written as small
// text files (the format is docs/TOUR.md), each a problem and pages that set
// up a state of the explorer (injections, steps taken, the selected step)
// with a commentary saying what to look at.
//
// A lesson's commentary cannot drift from the screen: every paragraph
// (say:) is guarded by the facts it states, written as expectations
// (expect: lane baseline verdict propagated|recovered, expect: reasoner
// dlatent 0) and checked against the engine each time the page is built
// (Lesson.Build, Lesson.Comment). A paragraph whose expectation fails is
// replaced by a warning that says what the engine gives instead; {QUERY}
// parts of a paragraph are filled in from the engine (the value itself,
// never a copy of it). Pick finds the first seed at which every expectation
// of a lesson holds: the built-in lessons' seeds are chosen that way, and a
// test checks it.
//
// Parse checks a lesson's syntax (errors name the file and the line);
// Check checks it against a model set (lanes, tokens, steps) without
// running a model; Builtin parses the lessons embedded from assets/lessons;
// Open finds a built-in lesson by name or reads a file through
// internal/safeio with a size cap.
//
// The package sits beside engine: it imports engine and tasks, never a UI
// package; app builds the pages in commands and views draws the Result.
//
// Example:
//
//	ls, _ := tour.Builtin()
//	s, sel, res, err := ls[0].Build(ctx, set, 0, engine.Options{})
//	for _, p := range res.Paras { fmt.Println(p.Text, p.Failed) }
package tour
