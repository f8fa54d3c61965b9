package tour

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"jrx/engine"
)

var loadOnce = sync.OnceValues(engine.LoadEmbedded)

func embedded(t *testing.T) *engine.Set {
	t.Helper()
	set, err := loadOnce()
	if err != nil {
		t.Fatalf("the embedded model set: %v", err)
	}
	return set
}

// Every built-in lesson, run against the engine on the embedded model set:
// every page builds and every expectation it states holds, and every {QUERY}
// of its commentary has a value.
func TestBuiltinLessonsHold(t *testing.T) {
	set := embedded(t)
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) < 5 {
		t.Fatalf("%d built-in lessons; the tour promises at least 5", len(ls))
	}
	for _, l := range ls {
		if err := l.Check(set); err != nil {
			t.Errorf("%s: %v", l.Name, err)
			continue
		}
		if l.Expectations() == 0 {
			t.Errorf("%s states no checkable fact", l.Name)
		}
		start := time.Now()
		for i, pg := range l.Pages {
			_, _, r, err := l.Build(context.Background(), set, i, engine.Options{})
			if err != nil {
				t.Errorf("%s page %d (%s): %v", l.Name, i+1, pg.Title, err)
				continue
			}
			for _, f := range r.Failures() {
				t.Errorf("%s page %d (%s): %s", l.Name, i+1, pg.Title, f)
			}
			for _, p := range r.Paras {
				if strings.ContainsAny(p.Text, "{}") {
					t.Errorf("%s page %d: a query left unfilled: %q", l.Name, i+1, p.Text)
				}
			}
		}
		t.Logf("%s: %d pages, %d expectations, %v", l.Name, len(l.Pages), l.Expectations(), time.Since(start).Round(time.Millisecond))
	}
}

// negate is the expectation that holds exactly when x does not.
func negate(x Expect) Expect {
	x.op = map[string]string{"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[x.op]
	return x
}

// Every expectation of the built-in lessons can fail: on the same session,
// its negation fails (so a check that always passes, or one that reads
// nothing, would be caught).
func TestBuiltinExpectationsCanFail(t *testing.T) {
	set := embedded(t)
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		for i, pg := range l.Pages {
			s, sel, _, err := l.Build(context.Background(), set, i, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e := sessionEnv(set, s, sel)
			for _, para := range pg.Paras {
				for _, x := range para.Expects {
					if err := e.check(x); err != nil {
						t.Errorf("%s:%d: %v", l.File, x.Line, err)
					}
					if err := e.check(negate(x)); err == nil {
						t.Errorf("%s:%d: the negation of %q holds too", l.File, x.Line, x.Src)
					}
				}
			}
		}
	}
}

// A paragraph whose expectation fails is replaced by a warning saying what
// the engine gives; the other paragraphs stay.
func TestFailedExpectationWarns(t *testing.T) {
	set := embedded(t)
	l, err := Parse("x.lesson", []byte(`lesson: x
title: X
seed: 1
page: p
inject: baseline@2=[EOS]
say: The baseline is {lane baseline verdict}.
expect: lane baseline verdict correct
say: The Reasoner did not move.
expect: reasoner dlatent 0
`))
	if err != nil {
		t.Fatal(err)
	}
	_, _, r, err := l.Build(context.Background(), set, 0, engine.Options{Light: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Paras) != 2 || len(r.Paras[0].Failed) != 1 || len(r.Paras[1].Failed) != 0 {
		t.Fatalf("result %+v", r)
	}
	// What the engine gives, computed here without the tour's queries.
	s, _ := engine.NewSession(set, engine.NewProblem(set.Task, 1), []engine.Injection{engine.ForceToken("baseline", 2, set.Task.Vocab().EOS(), set.Task.Vocab())}, engine.Options{Light: true})
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	v := s.Summary().Lane(engine.LaneBaseline).Verdict
	if want := "line 7: expected lane baseline verdict = correct; the engine gives " + v; r.Paras[0].Failed[0] != want {
		t.Fatalf("warning %q, want %q", r.Paras[0].Failed[0], want)
	}
	if r.Paras[0].Text != "The baseline is "+v+"." {
		t.Fatalf("text %q", r.Paras[0].Text)
	}
}

// Pick finds the first seed at which every expectation holds. Checked
// against a search with the engine alone: the first seed whose baseline is
// still off the clean run at the end after an EOS forced at step 1.
func TestPick(t *testing.T) {
	set := embedded(t)
	l, err := Parse("x.lesson", []byte(`lesson: x
title: X
seed: 1
page: p
inject: baseline@1=[EOS]
say: x
expect: lane baseline verdict propagated
`))
	if err != nil {
		t.Fatal(err)
	}
	opts := engine.Options{Light: true}
	got, err := Pick(context.Background(), set, l, 1, 100, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(0)
	for seed := uint64(1); seed <= 100 && want == 0; seed++ {
		p := engine.NewProblem(set.Task, seed)
		eos := set.Task.Vocab().EOS()
		s, err := engine.NewSession(set, p, []engine.Injection{engine.ForceToken("baseline", 1, eos, set.Task.Vocab())}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		// Propagated: the last step the baseline chose itself differs from the clean run.
		toks := engine.LaneTokens(s.Snapshots(), engine.LaneBaseline)
		clean := engine.LaneTokens(s.Clean(), engine.LaneBaseline)
		if toks[len(toks)-1] != clean[len(clean)-1] {
			want = seed
		}
	}
	if got != want || want == 0 {
		t.Fatalf("Pick gives seed %d, the engine's own search %d", got, want)
	}
	t.Logf("first seed with a propagated baseline after [EOS] at step 1: %d", got)
}

// The built-in lessons that say pick: first have the first seed at which
// all their expectations hold.
func TestBuiltinSeedsArePicked(t *testing.T) {
	set := embedded(t)
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if !l.Pick {
			continue
		}
		got, err := Pick(context.Background(), set, l, 1, l.Seed(), engine.Options{})
		if err != nil || got != l.Seed() {
			t.Errorf("%s: seed %d, but Pick gives %d (%v)", l.Name, l.Seed(), got, err)
		}
	}
}

// Errors in a lesson file name the line and say what is wrong.
func TestParseErrors(t *testing.T) {
	head := "lesson: x\ntitle: X\nseed: 1\n"
	for _, c := range []struct{ src, want string }{
		{"title: X\nseed: 1\npage: p\nsay: s\n", "x.lesson: no lesson: NAME line"},
		{"lesson: X Y\n", "x.lesson:1: lesson: \"X Y\" is not a name"},
		{"lesson: x\ntitle: X\npage: p\n", "x.lesson:3: the lesson has no problem"},
		{head + "page: p\nsay: s\nexpect: lane baseline colour red\n", "x.lesson:6: expect: lane baseline: unknown field \"colour\""},
		{head + "page: p\nexpect: reasoner dlatent 0\n", "x.lesson:5: expect: guards the say: paragraph above it"},
		{head + "page: p\nsay: {nearest}\n", "x.lesson:5: say: {nearest}: \"nearest\" wants a step"},
		{head + "page: p\nsay: a {truth 2\n", "x.lesson:5: say: a { without its }"},
		{head + "page: p\nsay: s\nexpect: margin 2 > big\n", "x.lesson:6: expect: \"margin 2 > big\": > wants a number"},
		{head + "page: p\nsteps: 2\nselect: 3\nsay: s\n", "x.lesson:4: page \"p\" selects step 3 but takes only 2 steps"},
		{head + "page: p\nsay: s\ncolour: red\n", "x.lesson:6: unknown field \"colour\""},
		{head + "page: p\nsay: s\nseed: x\n", "x.lesson:6: seed: want a whole number from 1"},
		{head + "page: p\n", "x.lesson:4: page \"p\" says nothing"},
		{head + "  continued\n", "x.lesson:4: only say: and summary: continue"},
		{head + "page: p\nsay: s\nexpect: lane baseline verdict\n", "x.lesson:6: expect: \"lane baseline verdict\": after the query"},
		{head + "say: s\n", "x.lesson:4: say: belongs to a page"},
	} {
		_, err := Parse("x.lesson", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s…", c.src, err, c.want)
		}
	}
}

// Check finds what only the model set can tell: lanes, tokens, steps.
func TestCheckAgainstTheSet(t *testing.T) {
	set := embedded(t)
	head := "lesson: x\ntitle: X\nseed: 1\npage: p\n"
	for _, c := range []struct{ src, want string }{
		{head + "say: s\nexpect: lane coconut verdict correct\n", "x.lesson:6: lane coconut verdict: this model set has no lane \"coconut\""},
		{head + "inject: baseline@9=[EOS]\nsay: s\n", "x.lesson:5: inject: step 9 is past the problem's 5 steps"},
		{head + "inject: baseline@2=?\nsay: s\n", "x.lesson:5: inject: injection \"baseline@2=?\""},
		{head + "say: s\nexpect: nearest 7 EOS\n", "x.lesson:6: nearest 7: step 7 is past the problem's 5 steps"},
		{head + "say: s\nexpect: mixture 2 ZZ > 0\n", "x.lesson:6: mixture 2 ZZ: \"ZZ\" is not a token"},
		{head + "inject: baseline@1={rival 1}\nsay: s\n", "x.lesson:5: inject: step 1 has no rival"},
	} {
		l, err := Parse("x.lesson", []byte(c.src))
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		err = l.Check(set)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s…", c.src, err, c.want)
		}
	}
}
