package views

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/tour"
)

// testTour is a tour of two lessons of two pages each, at lesson 1 page 2,
// with a commentary of three paragraphs, the second of which failed.
func testTour(t *testing.T) Tour {
	t.Helper()
	src := "lesson: a\ntitle: Lesson A\nseed: 1\npage: one\nsay: x\npage: two\nsay: y\n"
	a, err := tour.Parse("a.lesson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tour.Parse("b.lesson", []byte(strings.ReplaceAll(src, "Lesson A", "Lesson B")))
	if err != nil {
		t.Fatal(err)
	}
	k := DefaultKeyMap()
	d := NewTour(k.Tour, k.Glossary, []*tour.Lesson{a, b}, 0, 1)
	return d.WithResult(0, 1, &tour.Result{Paras: []tour.ParaResult{
		{Text: "The baseline leaves the clean run at step 3 and is back at step 4: recovered. " + strings.Repeat("More words to wrap. ", 8)},
		{Text: "A sentence that would be false.", Failed: []string{"line 9: expected lane baseline verdict = propagated; the engine gives recovered"}},
		{Text: "The Reasoner did not move: Δlatent 0."},
	}}, nil)
}

// The tour and the glossary fit every terminal size and render purely, on
// the fixture frame, with the tour's commentary docked as a panel.
func TestTourAndGlossaryFitEverySize(t *testing.T) {
	tr := testTour(t)
	withGloss := tr
	withGloss.Sub = NewGlossary(DefaultGlossaryKeys())
	for _, d := range []Dialog{tr, withGloss, NewGlossary(DefaultGlossaryKeys()), GlossaryDialog{Keys: DefaultGlossaryKeys(), Top: 1000}} {
		for w := 0; w <= 240; w += 29 {
			for h := 0; h <= 80; h += 13 {
				s := fixtureScreen(t, w, h, 4, 2, true)
				s.Dialog = d
				out := Render(s)
				checkFrame(t, out, w, h)
				if again := Render(s); again != out {
					t.Fatalf("%s %d×%d: two renders differ", d.ID(), w, h)
				}
			}
		}
	}
}

// The tour draws no box over the screen: its commentary is a panel, the
// other panels stay; a failed paragraph shows as a warning, never as its
// sentence; the glossary opened from the tour is a box on top.
func TestTourIsDocked(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, true)
	s.Dialog = testTour(t)
	out := ansi.Strip(Render(s))
	for _, want := range []string{"Tour · lesson 1/2 Lesson A · page 2/2: two", "• The baseline leaves the clean run", "⚠ Not shown",
		"expected lane baseline verdict = propagated; the engine gives recovered", "• The Reasoner did not move", "Lanes · aligned by step", "Nearest tokens"} {
		if !strings.Contains(strings.ReplaceAll(out, "│", " "), want) && !strings.Contains(out, want) {
			t.Errorf("the screen lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "would be false") {
		t.Errorf("the failed paragraph's sentence is shown:\n%s", out)
	}
	if ov, _, _, _ := s.overlay(); ov != nil {
		t.Error("the tour draws an overlay")
	}
	if s.Layout().Rect(PanelTour).Empty() {
		t.Error("no room for the tour's panel")
	}
	d := testTour(t)
	d.Sub = NewGlossary(DefaultGlossaryKeys())
	s.Dialog = d
	if ov, _, _, _ := s.overlay(); ov == nil || !strings.Contains(ansi.Strip(strings.Join(ov, "\n")), "Glossary") {
		t.Error("the glossary opened from the tour is not drawn")
	}
}

func press(k string) tea.KeyPressMsg {
	switch k {
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// The tour's keys move through the pages across lessons, ask the app to
// build each, and stop at both ends.
func TestTourKeys(t *testing.T) {
	c := DialogCtx{Styles: PlainStyles(), Width: 120, Height: 40}
	var d Dialog = testTour(t)
	step := func(k string) Action {
		var a Action
		d, a = d.Update(press(k), c)
		return a
	}
	for _, c := range []struct {
		key  string
		want Action
	}{
		{"right", TourGo{1, 0}}, {"right", TourGo{1, 1}}, {"right", nil}, {"left", TourGo{1, 0}}, {"left", TourGo{0, 1}},
		{"1", TourGo{0, 0}}, {"left", nil}, {"2", TourGo{1, 0}}, {"9", nil}, {"esc", TourLeave{}}, {"q", TourLeave{Quit: true}},
	} {
		if a := step(c.key); a != c.want {
			t.Fatalf("%s: action %#v, want %#v", c.key, a, c.want)
		}
	}
	if tr := d.(Tour); tr.Res != nil {
		t.Error("a new page keeps the old page's commentary")
	}
	// g opens the glossary inside the tour; its keys go to it; esc closes it and the tour stays.
	step("g")
	if tr := d.(Tour); tr.Sub == nil || tr.Sub.ID() != "glossary" {
		t.Fatal("g does not open the glossary")
	}
	if a := step("right"); a != nil || d.(Tour).Sub == nil {
		t.Fatal("a key in the glossary reached the tour")
	}
	if a := step("esc"); a != nil || d.(Tour).Sub != nil {
		t.Fatalf("esc in the glossary: action %v, glossary open %v", a, d.(Tour).Sub != nil)
	}
	// Every hint of the help bar is a key the tour takes.
	for _, b := range d.ShortHelp() {
		if len(b.Keys()) == 0 || b.Help().Key == "" {
			t.Errorf("hint %q has no key", b.Help().Desc)
		}
	}
	// A result for another page than the one shown is dropped.
	tr := d.(Tour)
	if got := tr.WithResult(tr.L, tr.P+1, &tour.Result{}, nil); got.Res != nil {
		t.Error("a late result of another page was taken")
	}
}

// The glossary scrolls a line and a page at a time, stops at both ends,
// and shows its last line at the end.
func TestGlossaryScrolls(t *testing.T) {
	c := DialogCtx{Styles: PlainStyles(), Width: 80, Height: 24}
	var d Dialog = NewGlossary(DefaultGlossaryKeys())
	all := GlossaryText(glossaryW(c.Width) - 4)
	if len(all) <= glossaryRows(c.Height) {
		t.Fatalf("the glossary (%d lines) fits 80×24: the test does not test scrolling", len(all))
	}
	view := func() []string { return d.View(c).Body }
	if got := view(); got[0] != all[0] {
		t.Fatalf("top: %q", got[0])
	}
	d, _ = d.Update(press("down"), c)
	if got := view(); got[0] != all[1] {
		t.Fatalf("after ↓: %q, want %q", got[0], all[1])
	}
	d, _ = d.Update(press("end"), c)
	body := view()
	if body[len(body)-1] != all[len(all)-1] || len(body) != glossaryRows(c.Height) {
		t.Fatalf("at the end the last line is %q, want %q", body[len(body)-1], all[len(all)-1])
	}
	d, _ = d.Update(press("pgdown"), c)
	if got := view(); got[len(got)-1] != all[len(all)-1] {
		t.Fatal("scrolled past the end")
	}
	d, _ = d.Update(press("home"), c)
	if got := view(); got[0] != all[0] {
		t.Fatal("home does not go to the top")
	}
	if _, a := d.Update(press("esc"), c); a != (Close{}) {
		t.Fatal("esc does not close the glossary")
	}
}

// The glossary's verdicts say word for word what docs/VERDICTS.md says,
// and it explains every term the issue lists and every mark of the lanes
// panel's legend.
func TestGlossaryCoversTheScreen(t *testing.T) {
	b, err := os.ReadFile("../docs/VERDICTS.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(\\w+)` \\| `(.)` \\| (.*) \\|$")
	rows := row.FindAllStringSubmatch(string(b), -1)
	if len(rows) != 7 {
		t.Fatalf("%d verdict rows in docs/VERDICTS.md", len(rows))
	}
	terms := map[string]string{}
	for _, t := range Glossary() {
		terms[t.Term] = t.Text
	}
	for _, r := range rows {
		name := r[1] + " " + r[2]
		want := strings.ReplaceAll(r[3], "`", "")
		if got, ok := terms[name]; !ok || got != want {
			t.Errorf("verdict %s:\n glossary %q\n docs     %q", name, got, want)
		}
	}
	for _, term := range []string{"Ē (target table)", "E (input embedding)", "cosine", "margin", "‖h‖ before L2", "mixture weight",
		"residual, explained", "sibling plane", "α and β", "plane rank", "Δlatent", "* injected", "! differs", "angle", "top-1", "dist"} {
		if terms[term] == "" {
			t.Errorf("the glossary does not explain %q", term)
		}
	}
}

// The main screen's g and T are bindings of the key map (the app opens the
// glossary and the tour on them), shown on the help screen.
func TestGlossaryAndTourKeys(t *testing.T) {
	k := DefaultKeyMap()
	if !key.Matches(tea.KeyPressMsg{Code: 'g', Text: "g"}, k.Main.Glossary) {
		t.Error("g is not the glossary")
	}
	if !key.Matches(tea.KeyPressMsg{Code: 't', ShiftedCode: 'T', Mod: tea.ModShift, Text: "T"}, k.Main.Tour) {
		t.Error("T is not the tour")
	}
	var help []string
	for _, col := range k.Main.FullHelp() {
		for _, b := range col {
			help = append(help, b.Help().Desc)
		}
	}
	if h := strings.Join(help, ","); !strings.Contains(h, "glossary") || !strings.Contains(h, "guided tour") {
		t.Errorf("the help screen lacks the glossary or the tour: %s", h)
	}
}
