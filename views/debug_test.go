package views

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/engine"
)

// The debugger's keys match what terminals send for them: a plain byte
// (">", "B") and the shifted form of the keyboard enhancements (code '.',
// shifted code '>', shift held).
func TestDebuggerKeys(t *testing.T) {
	k := DefaultKeyMap().Main
	for _, c := range []struct {
		b     key.Binding
		code  rune
		shift rune
	}{{k.RunUntil, '.', '>'}, {k.Breaks, 'b', 'B'}, {k.Unfork, 'f', 'F'}, {k.Compare, 'd', 'D'}, {k.Batch, 'a', 'A'}} {
		s := string(c.shift)
		if !key.Matches(tea.KeyPressMsg{Code: c.shift, Text: s}, c.b) {
			t.Errorf("%s: the plain key does not match", s)
		}
		if !key.Matches(tea.KeyPressMsg{Code: c.code, ShiftedCode: c.shift, Mod: tea.ModShift, Text: s}, c.b) {
			t.Errorf("%s: the shifted key does not match", s)
		}
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'f', Text: "f"}, k.Fork) || !key.Matches(tea.KeyPressMsg{Code: 'y', Text: "y"}, k.Copy) {
		t.Error("f or y is not bound")
	}
}

// The breakpoint list as a component: a typed condition is submitted with
// the list's purpose, Added lists it once (a second add switches it on),
// tab and ctrl+x act on the selected one and hand the list to the app.
func TestBreaksDialog(t *testing.T) {
	keys := DefaultKeyMap().Breaks
	var d Dialog = NewBreaks(keys, nil)
	c := DialogCtx{Styles: PlainStyles(), Width: 100, Height: 40}
	for _, r := range "margin<0.2" {
		d, _ = d.Update(tea.KeyPressMsg{Code: r, Text: string(r)}, c)
	}
	var a Action
	d, a = d.Update(tea.KeyPressMsg{Code: tea.KeyEnter}, c)
	sub, ok := a.(Submit)
	if !ok || sub.Purpose != BreakPurpose || sub.Text != "margin<0.2" {
		t.Fatalf("enter: %#v", a)
	}
	cond, err := engine.ParseCondition(sub.Text)
	if err != nil {
		t.Fatal(err)
	}
	b := d.(Breaks).Added(cond)
	if b.Text() != "" || len(b.List) != 1 || !b.List[0].On {
		t.Fatalf("added: %+v", b)
	}
	b.List[0].On = false
	b = b.Added(cond)
	if len(b.List) != 1 || !b.List[0].On {
		t.Fatalf("added twice: %+v", b.List)
	}
	d, a = b.Update(tea.KeyPressMsg{Code: tea.KeyTab}, c)
	if sb, ok := a.(SetBreaks); !ok || len(sb.List) != 1 || sb.List[0].On {
		t.Fatalf("tab: %#v", a)
	}
	d, a = d.Update(tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl}, c)
	if sb, ok := a.(SetBreaks); !ok || len(sb.List) != 0 {
		t.Fatalf("ctrl+x: %#v", a)
	}
	if _, a = d.Update(tea.KeyPressMsg{Code: tea.KeyEnter}, c); a != (Close{}) {
		t.Fatalf("enter on an empty line: %#v", a)
	}
	if !strings.Contains(ansiStrip(d.View(c).Body), "no breakpoints") {
		t.Fatal("the empty list says nothing")
	}
}

func ansiStrip(lines []string) string { return ansi.Strip(strings.Join(lines, "\n")) }
