package engine_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"jrx/engine"
	"jrx/tasks"
	"jrx/tasks/cfg"
	"jrx/tasks/tree"
)

func cond(t *testing.T, spec string) engine.Condition {
	t.Helper()
	c, err := engine.ParseCondition(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runUntil makes a session with the injections and runs it until spec
// holds; it returns the hit step (0 for none) and the finished session.
func runUntil(t *testing.T, set *engine.Set, p engine.Problem, spec string, inj ...string) (int, *engine.Session) {
	t.Helper()
	s, err := engine.NewSession(set, p, mustInj(t, inj...), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conds, err := engine.CheckConditions(set, []engine.Condition{cond(t, spec)})
	if err != nil {
		t.Fatal(err)
	}
	h, ok, err := s.RunUntil(context.Background(), conds)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		if !s.Done() {
			t.Fatalf("%s: no hit, yet the run stopped at step %d", spec, s.T())
		}
		return 0, s
	}
	if h.Step != s.T() || h.Spec != conds[0].String() || h.Why == "" {
		t.Fatalf("%s: hit %+v at session step %d", spec, h, s.T())
	}
	return h.Step, s
}

func TestConditionSyntax(t *testing.T) {
	for spec, want := range map[string]string{
		"margin<0.2": "margin<0.2", " Angle > 80 ": "angle>80", "entropy>0.5": "entropy>0.5",
		"diverge:baseline": "diverge:baseline", "change": "change", "change:prev": "change:prev",
		"dlatent>1e-3": "dlatent>0.001", "invalid:dual": "invalid:dual", "margin>=0.5": "margin>0.5",
	} {
		c, err := engine.ParseCondition(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if c.String() != want {
			t.Errorf("%q reads back as %q, want %q", spec, c.String(), want)
		}
		if back, err := engine.ParseCondition(c.String()); err != nil || back != c {
			t.Errorf("%q does not round-trip: %+v %v", spec, back, err)
		}
	}
	for _, bad := range []string{"", "margin", "margin<x", "margin<NaN", "speed>3", "diverge:", "diverge:B@d", "change:next", "frob:dual", "angle>inf"} {
		if _, err := engine.ParseCondition(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	set := tiny(t)
	if _, err := engine.CheckConditions(set, []engine.Condition{cond(t, "diverge:nosuch")}); err == nil {
		t.Error("an unknown lane was accepted")
	}
	c, err := engine.CheckConditions(set, []engine.Condition{cond(t, "invalid:talker")})
	if err != nil || c[0].Lane != engine.LaneDual {
		t.Errorf("invalid:talker resolves to %+v, %v", c, err)
	}
}

// Each measured condition stops at the first step where an independent
// computation of its measure crosses the threshold.
func TestMeasuredConditions(t *testing.T) {
	set := tiny(t)
	p := problem(t, 11)
	clean, err := engine.NewSession(set, p, nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := clean.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	snaps := clean.Snapshots()
	// Independent measures per step.
	margin := func(sn *engine.Snapshot) float64 { return sn.NearestTarget[0].Cos - sn.NearestTarget[1].Cos }
	angle := func(i int) float64 {
		if i == 0 {
			return math.NaN()
		}
		a, b := snaps[i-1].Latent, snaps[i].Latent
		var s, na, nb float64
		for j := range a {
			s += float64(a[j]) * float64(b[j])
			na += float64(a[j]) * float64(a[j])
			nb += float64(b[j]) * float64(b[j])
		}
		return math.Acos(s/math.Sqrt(na*nb)) * 180 / math.Pi
	}
	entropy := func(sn *engine.Snapshot) float64 {
		var h float64
		for _, a := range sn.Mixture.Atoms {
			h -= a.Weight * math.Log(a.Weight)
		}
		return h
	}
	first := func(f func(i int) bool) int {
		for i := range snaps {
			if f(i) {
				return i + 1
			}
		}
		return 0
	}
	for i := range snaps {
		for _, c := range []struct {
			spec string
			want int
		}{
			{"margin<" + ftoa(margin(snaps[i])+1e-9), first(func(j int) bool { return margin(snaps[j]) < margin(snaps[i])+1e-9 })},
			{"margin>" + ftoa(margin(snaps[i])-1e-9), first(func(j int) bool { return margin(snaps[j]) > margin(snaps[i])-1e-9 })},
			{"entropy>" + ftoa(entropy(snaps[i])-1e-9), first(func(j int) bool { return entropy(snaps[j]) > entropy(snaps[i])-1e-9 })},
		} {
			if c.want == 0 {
				t.Fatalf("%s: the test's threshold is never crossed", c.spec)
			}
			if got, _ := runUntil(t, set, p, c.spec); got != c.want {
				t.Errorf("%s: stopped at step %d, want %d", c.spec, got, c.want)
			}
		}
		if i > 0 {
			spec := "angle>" + ftoa(angle(i)-1e-6)
			want := first(func(j int) bool { return j > 0 && angle(j) > angle(i)-1e-6 })
			if got, _ := runUntil(t, set, p, spec); got != want {
				t.Errorf("%s: stopped at step %d, want %d", spec, got, want)
			}
		}
	}
	// Thresholds nothing crosses: the run goes to the end.
	for _, spec := range []string{"margin<-1", "angle>181", "entropy>2", "dlatent>0", "change", "diverge:baseline", "diverge:dual", "diverge:reasoner"} {
		if got, s := runUntil(t, set, p, spec); got != 0 || s.T() != s.Steps() {
			t.Errorf("%s on a clean run: stopped at %d", spec, got)
		}
	}
	// change:prev on a tree: the route moves to a new node at step 2.
	if got, _ := runUntil(t, set, p, "change:prev"); got != 2 {
		t.Errorf("change:prev stopped at %d, want 2", got)
	}
}

// The comparisons with the clean run stop where the injection acts.
func TestCleanRunConditions(t *testing.T) {
	set := tiny(t)
	p := problem(t, 12)
	tr := tree.Of(p.Instance)
	route := tr.Route()
	_, sib, ok := tr.Siblings(1)
	if !ok {
		t.Fatal("no sibling at step 2")
	}
	v := set.Task.Vocab()
	var wrongRoot int
	for _, n := range tr.Nodes() {
		if n != route[0] {
			wrongRoot = n
			break
		}
	}
	cases := []struct {
		spec string
		inj  []string
		want int
	}{
		{"dlatent>1e-6", []string{"noise@2:0.5"}, 2},
		{"dlatent>1e-6", []string{"baseline@1=" + v.Sym(sib)}, 0}, // token errors never reach the latents
		{"change", []string{"latent@2=1*" + v.Sym(sib)}, 2},
		{"diverge:baseline", []string{"baseline@1=" + v.Sym(wrongRoot)}, 1},
		{"diverge:talker", []string{"talker@2=" + v.Sym(sib)}, 2},
		{"diverge:reasoner", []string{"latent@2=1*" + v.Sym(sib)}, 2},
		{"invalid:dual", []string{"talker@1=" + v.Sym(wrongRoot)}, 1},
		{"invalid:baseline", []string{"baseline@2=EOS"}, 2},
		{"invalid:baseline", []string{"baseline@2=" + v.Sym(sib)}, 2},
	}
	for _, c := range cases {
		got, s := runUntil(t, set, p, c.spec, c.inj...)
		if got != c.want {
			t.Errorf("%s under %v: stopped at %d, want %d", c.spec, c.inj, got, c.want)
		}
		if c.want == 0 && s.T() != s.Steps() {
			t.Errorf("%s under %v: ran %d of %d steps", c.spec, c.inj, s.T(), s.Steps())
		}
	}
}

func TestInvalidPrefix(t *testing.T) {
	p := problem(t, 13)
	tr := tree.Of(p.Instance)
	r := tr.Route()
	_, sib, _ := tr.Siblings(1)
	for _, c := range []struct {
		prefix []int
		want   int
	}{
		{nil, -1},
		{r[:1], -1},
		{r, -1},
		{append(append([]int(nil), r...), tree.IDEOS), -1},
		{[]int{sib}, 0},
		{[]int{r[0], sib}, 1},
		{[]int{r[0], tree.IDEOS}, 1},
		{[]int{r[0], -1}, 1},
		{append(append([]int(nil), r...), r[0]), len(r)},
	} {
		if got, _ := engine.InvalidPrefix(p.Instance, c.prefix); got != c.want {
			t.Errorf("prefix %v of route %v: invalid at %d, want %d", c.prefix, r, got, c.want)
		}
	}
	// The grammar task: any grammatical continuation is valid; a symbol no
	// sentence continues with is invalid where it stands.
	task, err := tasks.New(cfg.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for k := 0; k < 40 && checked < 10; k++ {
		gp := task.Sample(rng)
		ans := gp.Answer()
		for s := 1; s < len(ans); s++ {
			m, ok := tasks.MistakeOf(gp.Mistakes(s), tasks.Rival)
			if !ok {
				continue
			}
			pre := append(append([]int(nil), ans[:s-1]...), m.Token)
			if got, _ := engine.InvalidPrefix(gp, pre); got != s-1 {
				t.Errorf("grammar %s: prefix %v invalid at %d, want %d", gp.Text(), pre, got, s-1)
			}
			if got, _ := engine.InvalidPrefix(gp, ans[:s]); got != -1 {
				t.Errorf("grammar %s: the reference prefix %v invalid at %d", gp.Text(), ans[:s], got)
			}
			checked++
			break
		}
	}
	if checked == 0 {
		t.Fatal("no grammar problem had a wrong symbol to test")
	}
}

func TestRunUntilCancelled(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 14), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.RunUntil(ctx, []engine.Condition{cond(t, "margin<-1")}); !errors.Is(err, context.Canceled) || s.T() != 0 {
		t.Fatalf("cancelled run: %v after %d steps", err, s.T())
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
