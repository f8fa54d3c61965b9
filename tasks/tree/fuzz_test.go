package tree

import (
	"jrx/tasks"

	"errors"
	"slices"
	"testing"
)

// FuzzParseTree: ParseTree never panics, fails only with a *tasks.ParseError, and
// whatever it accepts is a valid tree whose String() parses back to the
// same tree.
func FuzzParseTree(f *testing.F) {
	seeds := []string{
		paper,
		paper + "[ROUTE]NOMK[EOS]",
		"AB,AC[ROOT]A[TARGET]B",
		"AB,AC,BD,BE[ROOT]A[TARGET]E",
		"n l , n o [root] n [target] l",
		"NL,NO,NL[ROOT]N[TARGET]L",
		"AB,BA[ROOT]A[TARGET]B",
		"NL,NO[ROOT",
		"NL,NÉ[ROOT]N[TARGET]L",
		"",
		",",
		"[ROUTE]",
	}
	for seed := uint64(0); seed < 8; seed++ {
		seeds = append(seeds, NewTree(configs[seed%uint64(len(configs))], NewRNG(seed)).String())
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, anyTarget bool) {
		opt := ParseOptions{AnyTarget: anyTarget}
		tr, err := ParseTreeWith(s, opt)
		if err != nil {
			var pe *tasks.ParseError
			if !errors.As(err, &pe) || tr != nil {
				t.Fatalf("ParseTree(%q) = %v, %T %v", s, tr, err, err)
			}
			if pe.Offset < 0 || pe.Offset > len([]rune(s)) {
				t.Fatalf("ParseTree(%q): offset %d out of range", s, pe.Offset)
			}
			return
		}
		if tr.Levels() < MinDepth || tr.Levels() > MaxDepth || tr.NumNodes() != len(tr.Edges())+1 {
			t.Fatalf("ParseTree(%q): levels %d nodes %d edges %d", s, tr.Levels(), tr.NumNodes(), len(tr.Edges()))
		}
		if err := tr.CheckRoute(tr.Route()); err != nil {
			t.Fatalf("ParseTree(%q): own route invalid: %v", s, err)
		}
		if !anyTarget && !tr.IsLeaf(tr.Target()) {
			t.Fatalf("ParseTree(%q): target not a leaf", s)
		}
		back, err := ParseTreeWith(tr.String(), opt)
		if err != nil || !back.Equal(tr) || back.String() != tr.String() {
			t.Fatalf("ParseTree(%q) = %v; re-parse gave %v, %v", s, tr, back, err)
		}
		toks := tr.Tokens(nil)
		if !slices.Equal(toks[:len(toks)-1], append(tr.Prompt(nil), tr.Route()...)) {
			t.Fatalf("ParseTree(%q): Tokens inconsistent", s)
		}
	})
}
