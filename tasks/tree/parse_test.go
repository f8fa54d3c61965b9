package tree

import (
	"jrx/tasks"

	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	for _, cfg := range configs {
		rng := NewRNG(uint64(cfg.Levels())*10 + uint64(cfg.Order)*3 + uint64(cfg.TargetDepth))
		for i := 0; i < 500; i++ {
			tr := NewTree(cfg, rng)
			opt := ParseOptions{AnyTarget: cfg.TargetDepth == AnyDepth}
			for _, s := range []string{tr.String(), tr.PromptString(), NewVocab().Format(tr.Tokens(nil)), NewVocab().Format(tr.Prompt(nil))} {
				got, err := ParseTreeWith(s, opt)
				if err != nil {
					t.Fatalf("ParseTree(%q): %v", s, err)
				}
				if !got.Equal(tr) || got.String() != tr.String() || !slices.Equal(got.Tokens(nil), tr.Tokens(nil)) {
					t.Fatalf("round trip of %q gave %v", s, got)
				}
				checkInvariants(t, cfg, got)
			}
		}
	}
}

func TestParseLenient(t *testing.T) {
	want := "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K[ROUTE]NOMK"
	inputs := []string{
		paper,
		want,
		want + "[EOS]",
		paper + "[ROUTE]",
		"nl,no,lj,li,oa,om,jb,jh,ig,if,ad,ae,mk,mc[root]n[target]k[route]nomk[eos]",
		"N L , N O , L J , L I , O A , O M , J B , J H , I G , I F , A D , A E , M K , M C [ROOT] N [TARGET] K [ROUTE] N O M K [EOS]",
		"  NL, NO,\n LJ, LI,\r\n\tOA, OM, JB, JH, IG, IF, AD, AE, MK, MC\n[Root] N\n[Target] K\n",
		"NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC\u00a0[ROOT]N[TARGET]K\n",
	}
	for _, s := range inputs {
		tr, err := ParseTree(s)
		if err != nil {
			t.Errorf("ParseTree(%q): %v", s, err)
			continue
		}
		if tr.String() != want {
			t.Errorf("ParseTree(%q) = %v", s, tr)
		}
	}
}

// Proper binary trees that are not complete are accepted (documented
// policy), and say so through IsComplete.
func TestParseUnbalanced(t *testing.T) {
	cases := []struct {
		s             string
		nodes, levels int
		route         string
	}{
		{"AB,AC,BD,BE[ROOT]A[TARGET]C", 5, 3, "AC"},
		{"AB,AC,BD,BE[ROOT]A[TARGET]E", 5, 3, "ABE"},
		{"AB,AC,BD,BE,DF,DG[ROOT]A[TARGET]G[ROUTE]ABDG", 7, 4, "ABDG"},
		{"AB,AC,BD,BE,CF,CG,DH,DI,EJ,EK,FL,FM[ROOT]A[TARGET]M", 13, 4, "ACFM"},
	}
	for _, c := range cases {
		tr, err := ParseTree(c.s)
		if err != nil {
			t.Errorf("%s: %v", c.s, err)
			continue
		}
		if tr.IsComplete() || tr.NumNodes() != c.nodes || tr.Levels() != c.levels || !slices.Equal(tr.Route(), letters(c.route)) {
			t.Errorf("%s: complete %v nodes %d levels %d route %v", c.s, tr.IsComplete(), tr.NumNodes(), tr.Levels(), tr.Route())
		}
		back, err := ParseTree(tr.String())
		if err != nil || !back.Equal(tr) {
			t.Errorf("%s: round trip %v %v", c.s, back, err)
		}
	}
	if tr := mustParse(t, "AB,AC[ROOT]A[TARGET]B"); !tr.IsComplete() {
		t.Error("depth-2 tree not complete")
	}
}

func TestParseAnyTarget(t *testing.T) {
	s := "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]O[ROUTE]NO"
	if _, err := ParseTree(s); err == nil || !strings.Contains(err.Error(), "not a leaf") {
		t.Errorf("strict ParseTree(inner target) = %v", err)
	}
	tr, err := ParseTreeWith(s, ParseOptions{AnyTarget: true})
	if err != nil || tr.Target() != letter('O') || !slices.Equal(tr.Route(), letters("NO")) {
		t.Errorf("AnyTarget: %v %v", tr, err)
	}
	if _, err := ParseTreeWith("AB,AC[ROOT]A[TARGET]A", ParseOptions{AnyTarget: true}); err == nil {
		t.Error("AnyTarget accepted the root as target")
	}
}

func TestParseErrors(t *testing.T) {
	const p = "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC" // 41 characters
	cases := []struct {
		name   string
		in     string
		offset int
		piece  string
		msg    string
	}{
		{"empty", "", 0, "", "empty input"},
		{"blank", " \n\t ", 0, "", "empty input"},
		{"unknown char", "NL,N;O[ROOT]N[TARGET]L", 4, ";", "unknown symbol"},
		{"digit", "N1,NO[ROOT]N[TARGET]L", 1, "1", "unknown symbol"},
		{"non-ascii letter", "NL,NÉ[ROOT]N[TARGET]L", 4, "É", "unknown symbol"},
		{"offset in runes", "ÉL", 0, "É", "unknown symbol"},
		{"after non-ascii", "NL,NO[ROOT]N[TARGET]L [ROUTE] N L ö", 34, "ö", "unknown symbol"},
		{"offset counts runes, not bytes", "NL,\u00a0NO;", 6, ";", "unknown symbol"},
		{"unknown bracket", "NL,NO[ROOT]N[TARGET]L[FOO]", 21, "[FOO]", "unknown symbol"},
		{"unterminated bracket", "NL,NO[ROOT", 5, "[ROOT", "without a matching ']'"},
		{"bracket with space", "NL,NO[RO OT]N[TARGET]L", 5, "[RO", "without a matching ']'"},
		{"pad", "NL,NO[ROOT]N[TARGET]L[PAD]", 21, "[PAD]", "model token"},
		{"bos", "[BOS]NL,NO[ROOT]N[TARGET]L", 0, "[BOS]", "model token"},
		{"three letters", "NL,NOL,LJ[ROOT]N[TARGET]J", 3, "NOL", "malformed edge: want two letters (parent, child), got 3"},
		{"one letter", "NL,N,NO[ROOT]N[TARGET]L", 3, "N", "malformed edge: want two letters (parent, child), got one"},
		{"no commas", "NL NO[ROOT]N[TARGET]L", 0, "NL NO", "got 4; separate edges with ','"},
		{"double comma", "NL,,NO[ROOT]N[TARGET]L", 3, ",", "empty edge"},
		{"leading comma", ",NL,NO[ROOT]N[TARGET]L", 0, ",", "starts with ','"},
		{"trailing comma", "NL,NO,[ROOT]N[TARGET]L", 5, ",", "trailing ','"},
		{"no edges", "[ROOT]N[TARGET]L", 0, "[ROOT]", "no edges"},
		{"target first", "[TARGET]L", 0, "[TARGET]", "want edges"},
		{"missing root", "NL,NO", 5, "", "missing [ROOT]"},
		{"missing root, target given", "NL,NO[TARGET]L", 5, "[TARGET]", "missing [ROOT]?"},
		{"root without node", "NL,NO[ROOT][TARGET]L", 5, "[ROOT]", "[ROOT] must be followed by one node"},
		{"root with two nodes", "NL,NO[ROOT]NL[TARGET]L", 11, "NL", "[ROOT] takes one node, got 2 letters"},
		{"missing target", "NL,NO[ROOT]N", 12, "", "missing [TARGET]"},
		{"route instead of target", "NL,NO[ROOT]N[ROUTE]NL", 12, "[ROUTE]", "want [TARGET]"},
		{"target without node", "NL,NO[ROOT]N[TARGET]", 12, "[TARGET]", "[TARGET] must be followed"},
		{"target two nodes", "NL,NO[ROOT]N[TARGET] L O", 21, "L O", "[TARGET] takes one node"},
		{"comma after target", "NL,NO[ROOT]N[TARGET]L,", 21, ",", "unexpected ','"},
		{"after eos", "NL,NO[ROOT]N[TARGET]L[ROUTE]NL[EOS]L", 35, "L", "after [EOS]"},
		{"root twice", "NL,NO[ROOT]N[TARGET]L[ROOT]", 21, "[ROOT]", "unexpected [ROOT]"},
		{"self loop", "NL,NN[ROOT]N[TARGET]L", 3, "NN", "edge from N to itself"},
		{"repeated edge", "NL,NO,NL[ROOT]N[TARGET]L", 6, "NL", "edge repeated (first at offset 0)"},
		{"second parent", "NL,NO,OA,OB,LA,LC[ROOT]N[TARGET]C", 12, "LA", "node A has a second parent: L here, O at offset 6"},
		{"three children", "NL,NO,NA[ROOT]N[TARGET]L", 6, "NA", "more than 2 children"},
		{"one child", "NL,NO,LA[ROOT]N[TARGET]A", 6, "LA", "only one child"},
		{"cycle", "AB,AC,BD,BE,DA[ROOT]A[TARGET]E", 12, "DA", "closes a cycle"},
		{"two-cycle", "AB,BA[ROOT]A[TARGET]B", 3, "BA", "closes a cycle"},
		{"forest", "NL,NO,AB,AC[ROOT]N[TARGET]L", 6, "AB", "2 roots (N, A)"},
		{"five levels", "AB,AC,BD,BE,DF,DG,FH,FI[ROOT]A[TARGET]I", 18, "FH", "more than 4 levels: H is at level 5"},
		{"root not in tree", p + "[ROOT]Z[TARGET]K", 47, "Z", "[ROOT] Z is not a node"},
		{"root not the root", p + "[ROOT]O[TARGET]K", 47, "O", "not the tree's root (N is its parent; the root is N)"},
		{"target not in tree", p + "[ROOT]N[TARGET]Z", 56, "Z", "[TARGET] Z is not a node"},
		{"target is root", p + "[ROOT]N[TARGET]N", 56, "N", "is the root"},
		{"target not leaf", p + "[ROOT]N[TARGET]M", 56, "M", "M is not a leaf"},
		{"route wrong branch", p + "[ROOT]N[TARGET]K[ROUTE]NLJB", 65, "L", "step 1: wrong branch: L is a child of N"},
		{"route not an edge", p + "[ROOT]N[TARGET]K[ROUTE]NMK", 65, "M", "step 1: M is not a child of N"},
		{"route bad start", p + "[ROOT]N[TARGET]K[ROUTE]OMK", 64, "O", "step 0: route starts at O"},
		{"route too short", p + "[ROOT]N[TARGET]K[ROUTE]NOM[EOS]", 67, "[EOS]", "step 3: route ends at M"},
		{"route too short, end", p + "[ROOT]N[TARGET]K[ROUTE]NOM", 67, "", "step 3: route ends at M"},
		{"route too long", p + "[ROOT]N[TARGET]K[ROUTE]NOMKC", 68, "C", "step 4: route continues"},
		{"route absent letter", p + "[ROOT]N[TARGET]K[ROUTE]NOZ", 66, "Z", "Z is not a node"},
		{"lowercase piece kept", "nl,no[root]n[target]z", 20, "z", "[TARGET] Z is not a node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTree(c.in)
			if err == nil {
				t.Fatalf("ParseTree(%q) = %v, want an error", c.in, tr)
			}
			var pe *tasks.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *tasks.ParseError", err, err)
			}
			if pe.Offset != c.offset || pe.Piece != c.piece || !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("ParseTree(%q):\n got offset %d piece %q msg %q\nwant offset %d piece %q msg ~%q", c.in, pe.Offset, pe.Piece, pe.Msg, c.offset, c.piece, c.msg)
			}
			// The offset points at the piece (in runes).
			if c.piece != "" && !strings.HasPrefix(string([]rune(c.in)[c.offset:]), c.piece) {
				t.Errorf("piece %q is not at offset %d of %q", c.piece, c.offset, c.in)
			}
			if tr != nil {
				t.Errorf("non-nil tree with an error")
			}
		})
	}
}

func TestParseErrorString(t *testing.T) {
	cases := []struct {
		e    tasks.ParseError
		want string
	}{
		{tasks.ParseError{Offset: 3, Piece: "NOL", Msg: "malformed edge", What: "tree text"}, `tree text, offset 3 "NOL": malformed edge`},
		{tasks.ParseError{Offset: 0, Msg: "empty input", What: "tree text"}, `tree text, offset 0: empty input`},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	// A long piece is clipped.
	_, err := ParseTree(strings.Repeat("A", 200) + "[ROOT]A[TARGET]B")
	var pe *tasks.ParseError
	if !errors.As(err, &pe) || len([]rune(pe.Piece)) > 41 {
		t.Errorf("long piece: %v", err)
	}
	// A nil *tasks.ParseError never hides in a non-nil error.
	if _, err := ParseTree(paper); err != nil {
		t.Errorf("paper: %v", err)
	}
}
