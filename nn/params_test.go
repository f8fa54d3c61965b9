package nn

import (
	"reflect"
	"testing"
)

func tlMustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

func TestParamSetLayout(t *testing.T) {
	p := NewParamSet()
	p.Add("a", 2, 3)
	p.Add("b", 4)
	p.Add("c", 1, 2, 2)
	tlMustPanic(t, "duplicate", func() { p.Add("a", 1) })
	tlMustPanic(t, "zero dim", func() { p.Add("z", 0) })
	tlMustPanic(t, "W before Alloc", func() { p.W("a") })
	p.Alloc()
	tlMustPanic(t, "Add after Alloc", func() { p.Add("d", 1) })
	tlMustPanic(t, "unknown", func() { p.W("nope") })
	if got := p.Names(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("Names %v", got)
	}
	if p.NumParams() != 14 || len(p.Data()) != 14 || len(p.Grad()) != 14 {
		t.Fatalf("NumParams %d", p.NumParams())
	}
	if !reflect.DeepEqual(p.Shape("c"), []int{1, 2, 2}) || !p.Has("b") || p.Has("x") {
		t.Fatal("Shape/Has")
	}
	// Views are contiguous, in declaration order, and capacity-limited.
	for i := range p.Data() {
		p.Data()[i] = float32(i)
		p.Grad()[i] = float32(-i)
	}
	if w := p.W("b"); w[0] != 6 || len(w) != 4 || cap(w) != 4 {
		t.Fatalf("W(b) = %v cap %d", w, cap(w))
	}
	if g := p.G("c"); g[0] != -10 || cap(g) != 4 {
		t.Fatalf("G(c) = %v", g)
	}
	w := append(p.W("a"), 99) // must not overwrite b
	_ = w
	if p.W("b")[0] != 6 {
		t.Fatal("append spilled into the next tensor")
	}
	p.ZeroGrad()
	for _, v := range p.Grad() {
		if v != 0 {
			t.Fatal("ZeroGrad")
		}
	}
	sh := p.Shape("a")
	sh[0] = 7
	if p.Shape("a")[0] != 2 {
		t.Fatal("Shape returns internal slice")
	}
}
