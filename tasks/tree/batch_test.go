package tree

import (
	"jrx/tasks"

	"fmt"
	"slices"
	"strings"
	"testing"
)

// ids turns "A B , [ROOT] _" into token ids; "_" is [PAD].
func ids(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Fields(s) {
		if f == "_" {
			out = append(out, IDPAD)
			continue
		}
		id, ok := NewVocab().ID(f)
		if !ok {
			t.Fatalf("bad symbol %q", f)
		}
		out = append(out, id)
	}
	return out
}

// weights turns "1 1 r 0" into float32s, r = routeWeight.
func weights(s string, r float32) []float32 {
	var out []float32
	for _, f := range strings.Fields(s) {
		switch f {
		case "1":
			out = append(out, 1)
		case "0":
			out = append(out, 0)
		case "r":
			out = append(out, r)
		}
	}
	return out
}

// TestMakeBatchWorkedExample lays out two trees by hand.
//
// Row 0: "AB,AC[ROOT]A[TARGET]C", route A C: x = A B , A C [ROOT] A [TARGET] C
// [ROUTE] A C [EOS], L = 13, [ROUTE] at R = 9.
// Row 1: "AB,AC,BD,BE,CF,CG[ROOT]A[TARGET]G", route A C G: L = 26, R = 21.
// T = max(L) − 1 = 25. The route-and-EOS block is R … L−2: row 0 positions
// 9, 10, 11 (inputs [ROUTE] A C → targets A C [EOS]); row 1 positions 21–24.
func TestMakeBatchWorkedExample(t *testing.T) {
	const rw = 10
	trees := []*Tree{mustParse(t, "AB,AC[ROOT]A[TARGET]C"), mustParse(t, "AB,AC,BD,BE,CF,CG[ROOT]A[TARGET]G")}
	b := tasks.MakeBatch(Problems(trees), IDPAD, 0, rw)
	if b.B != 2 || b.T != 25 {
		t.Fatalf("B, T = %d, %d; want 2, 25", b.B, b.T)
	}
	pad := func(n int) string { return strings.Repeat(" _", n) }
	zeros := func(n int) string { return strings.Repeat(" 0", n) }
	want := []struct {
		in, tgt, tgt2, w1, w2, wsst string
	}{{
		in:   "A B , A C [ROOT] A [TARGET] C [ROUTE] A C" + pad(13),
		tgt:  "B , A C [ROOT] A [TARGET] C [ROUTE] A C [EOS]" + pad(13),
		tgt2: ", A C [ROOT] A [TARGET] C [ROUTE] A C [EOS] _" + pad(13),
		w1:   "1 1 1 1 1 1 1 1 1   r r r" + zeros(13),
		w2:   "1 1 1 1 1 1 1 1 1   r r 0" + zeros(13),
		wsst: "0 0 0 0 0 0 0 0 0   1 1 1" + zeros(13),
	}, {
		in:   "A B , A C , B D , B E , C F , C G [ROOT] A [TARGET] G [ROUTE] A C G",
		tgt:  "B , A C , B D , B E , C F , C G [ROOT] A [TARGET] G [ROUTE] A C G [EOS]",
		tgt2: ", A C , B D , B E , C F , C G [ROOT] A [TARGET] G [ROUTE] A C G [EOS] _",
		w1:   "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1   r r r r",
		w2:   "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1   r r r 0",
		wsst: "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0   1 1 1 1",
	}}
	for r, w := range want {
		row := func(a []int) []int { return a[r*b.T : (r+1)*b.T] }
		rowf := func(a []float32) []float32 { return a[r*b.T : (r+1)*b.T] }
		checks := []struct {
			name string
			ok   bool
			got  any
		}{
			{"Inputs", slices.Equal(row(b.Inputs), ids(t, w.in)), row(b.Inputs)},
			{"Targets", slices.Equal(row(b.Targets), ids(t, w.tgt)), row(b.Targets)},
			{"Targets2", slices.Equal(row(b.Targets2), ids(t, w.tgt2)), row(b.Targets2)},
			{"W1", slices.Equal(rowf(b.W1), weights(w.w1, rw)), rowf(b.W1)},
			{"W2", slices.Equal(rowf(b.W2), weights(w.w2, rw)), rowf(b.W2)},
			{"WSST", slices.Equal(rowf(b.WSST), weights(w.wsst, rw)), rowf(b.WSST)},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("row %d %s = %v", r, c.name, c.got)
			}
		}
	}
	for name, got := range map[string][]int{"RouteStart": b.RouteStart, "PromptLen": b.PromptLen, "SeqLen": b.SeqLen, "RouteLen": b.RouteLen} {
		wantv := map[string][]int{"RouteStart": {9, 21}, "PromptLen": {10, 22}, "SeqLen": {13, 26}, "RouteLen": {2, 3}}[name]
		if !slices.Equal(got, wantv) {
			t.Errorf("%s = %v, want %v", name, got, wantv)
		}
	}

	// A longer T only adds padding.
	wide := tasks.MakeBatch(Problems(trees), IDPAD, 30, rw)
	for r := 0; r < 2; r++ {
		if !slices.Equal(wide.Inputs[r*30:r*30+25], b.Inputs[r*25:(r+1)*25]) ||
			!slices.Equal(wide.W1[r*30:r*30+25], b.W1[r*25:(r+1)*25]) ||
			!slices.Equal(wide.Targets[r*30+25:(r+1)*30], ids(t, "_ _ _ _ _")) ||
			!slices.Equal(wide.WSST[r*30+25:(r+1)*30], weights("0 0 0 0 0", rw)) {
			t.Errorf("T=30 row %d differs from T=25 beyond padding", r)
		}
	}
	// A T too short panics.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MakeBatch(T=24) did not panic")
			}
		}()
		tasks.MakeBatch(Problems(trees), IDPAD, 24, rw)
	}()
}

// Random batches: independent checks of the rules in the Batch doc.
func TestMakeBatchRandom(t *testing.T) {
	for _, cfg := range configs {
		t.Run(fmt.Sprintf("D%d-%v", cfg.Levels(), cfg.TargetDepth), func(t *testing.T) {
			trees := NewTrees(cfg, NewRNG(5), 64)
			b := tasks.MakeBatch(Problems(trees), IDPAD, 0, 3)
			maxL := 0
			for _, tr := range trees {
				maxL = max(maxL, len(tr.Tokens(nil)))
			}
			if b.T != maxL-1 || len(b.Inputs) != 64*b.T {
				t.Fatalf("T = %d, want %d", b.T, maxL-1)
			}
			if cfg.TargetDepth == LeafOnly && b.T != cfg.MaxSeqLen()-1 {
				t.Fatalf("leaf batch T = %d", b.T)
			}
			for r, tr := range trees {
				x := tr.Tokens(nil)
				route := tr.Route()
				L, R := len(x), b.RouteStart[r]
				var sst, w1 float32
				for i := 0; i < b.T; i++ {
					k := r*b.T + i
					sst += b.WSST[k]
					w1 += b.W1[k]
					if i < L-1 && (b.Inputs[k] != x[i] || b.Targets[k] != x[i+1]) {
						t.Fatalf("row %d pos %d", r, i)
					}
					if i >= L-1 && (b.Inputs[k] != IDPAD || b.Targets[k] != IDPAD || b.W1[k] != 0 || b.WSST[k] != 0 || b.W2[k] != 0) {
						t.Fatalf("row %d pos %d: padding not masked", r, i)
					}
					if b.WSST[k] != 0 && b.W1[k] != 3 {
						t.Fatalf("row %d pos %d: SST position without route weight", r, i)
					}
					if (b.Targets2[k] == IDPAD) != (b.W2[k] == 0) {
						t.Fatalf("row %d pos %d: W2 %v with Targets2 %d", r, i, b.W2[k], b.Targets2[k])
					}
				}
				if x[R] != IDRoute || b.Inputs[r*b.T+R] != IDRoute || b.PromptLen[r] != R+1 || b.SeqLen[r] != L || b.RouteLen[r] != len(route) {
					t.Fatalf("row %d: R %d PromptLen %d", r, R, b.PromptLen[r])
				}
				// SST covers exactly the targets route[0..] and EOS.
				if int(sst) != len(route)+1 || b.Targets[r*b.T+R] != route[0] || b.Targets[r*b.T+R+len(route)] != IDEOS {
					t.Fatalf("row %d: SST weight %v, route %v", r, sst, route)
				}
				if want := float32(R) + 3*float32(len(route)+1); w1 != want {
					t.Fatalf("row %d: sum W1 %v, want %v", r, w1, want)
				}
			}
		})
	}
}
