package app

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"jrx/engine"
)

// The explorer as a real Bubble Tea program (teatest runs it on buffers):
// it loads, runs to the end on a key, takes an injection through the
// picker, and quits on q with the state the keys made.
func TestProgram(t *testing.T) {
	set := tinySet(t)
	m := New(Options{Seed: 42, NoColor: true, Load: func(string) (*engine.Set, error) { return set, nil }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("seed 42")
	tm.Send(tea.KeyPressMsg{Code: 'e', Text: "e"})
	wait("correct")
	tm.Type("2b")
	wait("Inject into the baseline")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	wait("baseline@2=")
	tm.Type("q")
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*Model)
	if !ok {
		t.Fatal("final model is not the explorer")
	}
	f := final.Frame()
	if f.Taken() != f.Steps || len(f.Injections) != 1 || f.Injections[0].Kind != engine.Force || f.Injections[0].Lane != "baseline" || f.Injections[0].Step != 2 {
		t.Fatalf("final state: taken %d of %d, injections %v", f.Taken(), f.Steps, f.Injections)
	}
	if final.Selected() != 2 {
		t.Fatalf("selected %d", final.Selected())
	}
}
