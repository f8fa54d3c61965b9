package captures

import (
	"context"
	"strings"
	"sync"
	"testing"

	"charm.land/bubbles/v2/key"

	"jrx/engine"
	"jrx/views"
)

var loadOnce = sync.OnceValues(engine.LoadEmbedded)

func embedded(t *testing.T) *engine.Set {
	t.Helper()
	set, err := loadOnce()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestMarkerRoundTrip(t *testing.T) {
	for _, line := range []string{
		"<!-- capture: jrx --seed 1 | keys: → → b . | size: 120x40 -->",
		"<!-- capture: jrx tour premature-eos | keys: → | size: 120x40 -->",
		"<!-- capture: jrx --seed 7 | keys: e 2 b . t enter | size: 80x24 | seed: flagship -->",
		"<!-- capture: jrx explore --prompt 'AB,AC[ROOT]A[TARGET]C' --seed 3 | size: 100x30 -->",
	} {
		s, err := ParseMarker(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := s.Marker(); got != line {
			t.Errorf("round trip:\n got %s\nwant %s", got, line)
		}
	}
	for _, bad := range []string{
		"<!-- capture: ls | size: 1x1 -->",
		"<!-- capture: jrx --seed 1 | keys: → pagedown -->",
		"<!-- capture: jrx --seed 1 | size: 12 -->",
		"<!-- capture: jrx --seed 1 | seed: nosuch -->",
		"<!-- capture: jrx --prompt 'x -->",
	} {
		if _, err := ParseMarker(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// Every key a marker can name reaches the binding it names.
func TestKeyMsgMatchesBindings(t *testing.T) {
	k := views.DefaultKeyMap()
	for _, c := range []struct {
		key string
		b   key.Binding
	}{{"→", k.Main.Step}, {"←", k.Main.Prev}, {"space", k.Main.Step}, {"e", k.Main.End}, {"T", k.Main.Tour},
		{"g", k.Main.Glossary}, {"bs", k.Main.Undo}, {"enter", k.Picker.Confirm}, {"esc", k.Picker.Cancel},
		{"pgdn", k.Glossary.Page}, {"home", k.Main.Reset}, {"2", k.Main.Jump}, {".", k.Picker.EOS}} {
		if !key.Matches(KeyMsg(c.key), c.b) {
			t.Errorf("key %q does not match the binding %q (%s)", c.key, c.b.Help().Key, KeyMsg(c.key).String())
		}
	}
	if key.Matches(KeyMsg("t"), k.Main.Tour) {
		t.Error("t opens the tour")
	}
}

// The verdict sequence on seed 1 (the example): after → → b . the
// baseline has not chosen a token since the injection and its verdict is
// pending; one → later it has left the clean run and is still pending. The
// engine says so independently.
func TestRenderVerdictSequence(t *testing.T) {
	set := embedded(t)
	base := "<!-- capture: jrx --seed 1 | keys: → → b . | size: 120x40 -->"
	s, err := ParseMarker(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"→"}} {
		s := s
		s.Keys = append(append([]string(nil), s.Keys...), extra...)
		screen, err := Render(set, s)
		if err != nil {
			t.Fatal(err)
		}
		in, _ := engine.ParseInjection("baseline@2=[EOS]", set.Task.Vocab())
		sess, err := engine.NewSession(set, engine.NewProblem(set.Task, 1), []engine.Injection{in}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.JumpTo(2 + len(extra)); err != nil {
			t.Fatal(err)
		}
		want := sess.Summary().Lane(engine.LaneBaseline).Verdict
		if want != engine.VerdictPending {
			t.Fatalf("the engine's verdict is %s", want)
		}
		var line string
		for _, l := range strings.Split(screen, "\n") {
			if strings.HasPrefix(l, "│baseline") {
				line = l
			}
		}
		if !strings.Contains(line, "· pending") || !strings.Contains(screen, "injections baseline@2=[EOS]") {
			t.Errorf("after %v: the baseline lane reads %q\n%s", append(s.Keys[:4:4], extra...), line, screen)
		}
		for _, l := range strings.Split(screen, "\n") {
			if len([]rune(l)) > s.W {
				t.Fatalf("a line wider than %d: %q", s.W, l)
			}
		}
	}
}

// The flagship measurement is the condition test/tui_e2e_test.go's
// pickE2EProblem states, checked here with the engine alone.
func TestFlagshipSeed(t *testing.T) {
	set := embedded(t)
	got, err := MeasureSeed(context.Background(), set, "flagship")
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(0)
	for seed := uint64(1); seed <= MaxSeed && want == 0; seed++ {
		p := engine.NewProblem(set.Task, seed)
		ans := p.Instance.Answer()
		v := set.Task.Vocab()
		inj := []engine.Injection{engine.ForceToken("baseline", 2, v.EOS(), v), engine.ForceToken("talker", 2, ans[len(ans)-2], v)}
		s, err := engine.NewSession(set, p, inj, engine.Options{Light: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		sum := s.Summary()
		if sum.Lane(engine.LaneBaseline).Left > 0 && sum.Lane(engine.LaneDual).Verdict == engine.VerdictContained && sum.Lane(engine.LaneMono).Correct {
			want = seed
		}
	}
	if got != want {
		t.Fatalf("the flagship measurement picks seed %d, the engine's own search %d", got, want)
	}
}
