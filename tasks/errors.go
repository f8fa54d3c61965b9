package tasks

import "fmt"

// ParseError is a problem in a typed problem's text. Offset counts
// characters (runes, from 0) into the input; Piece is the offending text as
// written (empty at the end of the input); What names the text ("tree
// text").
type ParseError struct {
	Offset int
	Piece  string
	Msg    string
	What   string
}

func (e *ParseError) Error() string {
	what := e.What
	if what == "" {
		what = "problem text"
	}
	if e.Piece == "" {
		return fmt.Sprintf("%s, offset %d: %s", what, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s, offset %d %q: %s", what, e.Offset, e.Piece, e.Msg)
}
