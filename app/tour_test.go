package app

import (
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/tour"
	"jrx/views"
)

var embeddedOnce = sync.OnceValues(engine.LoadEmbedded)

// newEmbedded is an explorer on the embedded model set (the built-in
// lessons are written for it) at seed 1.
func newEmbedded(t *testing.T, opts Options) *Model {
	t.Helper()
	set, err := embeddedOnce()
	if err != nil {
		t.Fatal(err)
	}
	opts.Load = func(string) (*engine.Set, error) { return set, nil }
	opts.Seed, opts.NoColor = 1, true
	m := New(opts)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drain(t, m, m.Init())
	return m
}

func tourOf(t *testing.T, m *Model) views.Tour {
	t.Helper()
	d, ok := m.dialog.(views.Tour)
	if !ok {
		t.Fatalf("the tour is not open (dialog %q)", m.Dialog())
	}
	return d
}

// T opens the tour on the built-in lessons: each page's state (problem,
// injections, steps, selection) is built and its commentary checked; →
// and ← move through the pages; g opens the glossary inside the tour;
// esc leaves the tour with the page's state on screen; q quits.
func TestTourInTheExplorer(t *testing.T) {
	m := newEmbedded(t, Options{})
	press(t, m, "T")
	d := tourOf(t, m)
	ls, err := tour.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if d.Res == nil || !d.Res.OK() || d.L != 0 || d.P != 0 {
		t.Fatalf("the first page: lesson %d page %d, commentary %+v", d.L, d.P, d.Res)
	}
	// Go to lesson 3 (premature-eos), page 2: the baseline derails.
	press(t, m, "3", "right")
	d = tourOf(t, m)
	pg := ls[2].Pages[1]
	f := m.Frame()
	if d.L != 2 || d.P != 1 || f.Taken() != f.Steps || m.Selected() != pg.Select || len(f.Injections) != 1 || f.Injections[0].String() != "baseline@2=[EOS]" {
		t.Fatalf("lesson %d page %d: taken %d/%d, selected %d, injections %v", d.L+1, d.P+1, f.Taken(), f.Steps, m.Selected(), f.Injections)
	}
	if d.Res == nil || !d.Res.OK() {
		t.Fatalf("the page's commentary: %+v", d.Res)
	}
	scr := view(m)
	if !strings.Contains(scr, "page 2/5: The baseline derails") || !strings.Contains(scr, "↺ recovered") {
		t.Fatalf("the screen:\n%s", scr)
	}
	checkView(t, m)
	// The help bar shows the tour's keys, and each does something.
	hints := m.screen().Dialog.ShortHelp()
	if len(hints) == 0 || hints[0].Help().Desc != "next" {
		t.Fatalf("help bar: %v", hints)
	}
	press(t, m, "g")
	if d := tourOf(t, m); d.Sub == nil || !strings.Contains(view(m), "Glossary") {
		t.Fatal("g does not show the glossary in the tour")
	}
	press(t, m, "esc", "left")
	if d := tourOf(t, m); d.Sub != nil || d.P != 0 || len(m.Frame().Injections) != 1 || m.Frame().Taken() != 2 {
		t.Fatalf("back to page 1: page %d, taken %d", d.P+1, m.Frame().Taken())
	}
	// Leave the tour: the page's state stays, the main keys work again.
	press(t, m, "esc")
	if m.Dialog() != "" || m.Frame().Taken() != 2 || len(m.Injections()) != 1 {
		t.Fatalf("after esc: dialog %q, taken %d", m.Dialog(), m.Frame().Taken())
	}
	press(t, m, "right")
	if m.Frame().Taken() != 3 {
		t.Fatalf("→ after leaving the tour: taken %d", m.Frame().Taken())
	}
	if l := lane(m.Frame(), engine.LaneBaseline); l.Verdict != engine.VerdictPending || l.Left != 3 {
		t.Fatalf("baseline after one more step: %+v", l)
	}
	press(t, m, "T")
	if quit := press(t, m, "q"); !quit {
		t.Fatal("q in the tour does not quit")
	}
}

// jrx tour opens the explorer on the tour (Options.Tour) at the lesson
// asked for; a page that cannot be built shows why in the commentary.
func TestTourOption(t *testing.T) {
	ls, err := tour.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m := newEmbedded(t, Options{Tour: &TourStart{Lessons: ls, Lesson: 4}})
	d := tourOf(t, m)
	if d.L != 4 || d.Res == nil || !d.Res.OK() || len(m.Frame().Injections) != 0 {
		t.Fatalf("lesson %d, commentary %+v", d.L+1, d.Res)
	}
	bad, err := tour.Parse("bad.lesson", []byte("lesson: bad\ntitle: Bad\nseed: 1\npage: p\ninject: noise@9:0.1\nsay: s\n"))
	if err != nil {
		t.Fatal(err)
	}
	m = newEmbedded(t, Options{Tour: &TourStart{Lessons: []*tour.Lesson{ls[0], bad}}})
	press(t, m, "2")
	d = tourOf(t, m)
	if d.L != 1 || d.Err == "" || !strings.Contains(d.Err, "bad.lesson") {
		t.Fatalf("a page that cannot be built: lesson %d, err %q", d.L+1, d.Err)
	}
	if msg, isErr := m.Status(); !isErr || msg == "" {
		t.Fatalf("status %q", msg)
	}
}

// g opens the glossary from the main screen; esc closes it.
func TestGlossaryKey(t *testing.T) {
	m := newEmbedded(t, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, m, "g")
	if m.Dialog() != "glossary" {
		t.Fatalf("dialog %q", m.Dialog())
	}
	checkView(t, m)
	press(t, m, "end")
	if !strings.Contains(view(m), "propagated") {
		t.Fatalf("the end of the glossary:\n%s", view(m))
	}
	press(t, m, "esc")
	if m.Dialog() != "" {
		t.Fatal("esc does not close the glossary")
	}
}
