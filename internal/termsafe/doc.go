// Package termsafe makes text that a file supplied (model metadata, session
// fields, paths, error messages that quote them) safe to print on a
// terminal.
//
// A string read from a file may hold control characters: an escape
// sequence can clear the screen, set the window title, move the cursor over
// what was printed before, or switch the terminal into modes that outlive
// jrx. Before such text reaches a terminal it goes through String (multi-line
// text), Line (one line) or, for JSON output, JSON.
//
// Invariants: the output of String and Line holds no C0 control character
// (except '\n' and '\t' in String), no DEL, no C1 control (U+0080–U+009F),
// no bidirectional-override character and no invalid UTF-8; each such
// character is shown as a visible escape (\x1b, \u009b, \u202e) instead of
// being dropped, so what the file holds stays visible and nothing can act
// on the terminal. Text without such characters is returned unchanged.
// JSON keeps valid JSON valid and its meaning unchanged: the same
// characters become \u escapes inside strings.
//
// Example:
//
//	fmt.Fprintf(w, "model %s\n", termsafe.Line(set.Source))
//	// a name "x\x1b]0;owned\x07" prints as: model x\x1b]0;owned\x07
package termsafe
