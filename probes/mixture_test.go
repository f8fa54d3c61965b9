package probes

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// randTable draws V rows of width d with Gaussian entries and a random row
// scale in [0.1, 10), so that row norms differ widely.
func randTable(rng *rand.Rand, V, d int) []float32 {
	t := make([]float32, V*d)
	for j := 0; j < V; j++ {
		s := 0.1 * math.Pow(100, rng.Float64())
		for i := 0; i < d; i++ {
			t[j*d+i] = float32(s * rng.NormFloat64())
		}
	}
	return t
}

// unitRow is row j of table normalised, in float64 (computed here, not by
// the code under test).
func unitRow(table []float32, d, j int) []float64 {
	e := make([]float64, d)
	var n float64
	for i := range e {
		e[i] = float64(table[j*d+i])
		n += e[i] * e[i]
	}
	n = math.Sqrt(n)
	for i := range e {
		e[i] /= n
	}
	return e
}

// mixLatent is L2(Σ w_i·ê_{toks[i]}) as float32.
func mixLatent(table []float32, d int, toks []int, w []float64) []float32 {
	m := make([]float64, d)
	for i, tok := range toks {
		e := unitRow(table, d, tok)
		for a := range m {
			m[a] += w[i] * e[a]
		}
	}
	var n float64
	for _, v := range m {
		n += v * v
	}
	n = math.Sqrt(n)
	r := make([]float32, d)
	for a := range r {
		r[a] = float32(m[a] / n)
	}
	return r
}

// residualVec is r − Σ coef·ê over m's atoms, recomputed independently.
func residualVec(table []float32, d int, r []float32, m Mixture) []float64 {
	res := make([]float64, d)
	for i := range res {
		res[i] = float64(r[i])
	}
	for _, a := range m.Atoms {
		e := unitRow(table, d, a.Token)
		for i := range res {
			res[i] -= a.Coef * e[i]
		}
	}
	return res
}

// checkMixture verifies the invariants every result must satisfy, against
// independent recomputation.
func checkMixture(t *testing.T, table []float32, d int, r []float32, k int, m Mixture) {
	t.Helper()
	if len(m.Atoms) > max(k, 0) {
		t.Fatalf("%d atoms for k = %d", len(m.Atoms), k)
	}
	var sum float64
	seen := map[int]bool{}
	for i, a := range m.Atoms {
		if !(a.Coef > 0) || !(a.Weight > 0) || math.IsInf(a.Coef, 0) {
			t.Fatalf("atom %+v not positive/finite", a)
		}
		if seen[a.Token] {
			t.Fatalf("token %d twice", a.Token)
		}
		seen[a.Token] = true
		if i > 0 && a.Weight > m.Atoms[i-1].Weight {
			t.Fatalf("atoms not by weight: %+v", m.Atoms)
		}
		sum += a.Weight
	}
	if len(m.Atoms) > 0 && math.Abs(sum-1) > 1e-9 {
		t.Fatalf("weights sum to %v", sum)
	}
	for _, a := range m.Atoms {
		var cs float64
		for _, b := range m.Atoms {
			cs += b.Coef
		}
		if math.Abs(a.Weight-a.Coef/cs) > 1e-9 {
			t.Fatalf("weight %v ≠ coef/Σcoef %v", a.Weight, a.Coef/cs)
		}
	}
	rn := norm(r)
	res := residualVec(table, d, r, m)
	var rr float64
	for _, v := range res {
		rr += v * v
	}
	if rn > 0 {
		if math.Abs(math.Sqrt(rr)-m.Residual) > 1e-9*rn {
			t.Fatalf("residual %v, recomputed %v", m.Residual, math.Sqrt(rr))
		}
		if m.Residual > rn*(1+1e-9) {
			t.Fatalf("residual %v above ‖r‖ %v", m.Residual, rn)
		}
		if want := 1 - rr/(rn*rn); math.Abs(m.Explained-want) > 1e-9 {
			t.Fatalf("explained %v, want %v", m.Explained, want)
		}
	}
}

func TestDecomposeTwoWay(t *testing.T) {
	const V, d = 33, 128
	rng := rand.New(rand.NewPCG(1, 2))
	table := randTable(rng, V, d)
	for trial := 0; trial < 200; trial++ {
		a := rng.IntN(V)
		b := (a + 1 + rng.IntN(V-1)) % V
		r := mixLatent(table, d, []int{a, b}, []float64{0.7, 0.3})
		for _, k := range []int{2, 5} {
			m := Decompose(table, d, r, k, nil)
			checkMixture(t, table, d, r, k, m)
			w := map[int]float64{}
			for _, at := range m.Atoms {
				w[at.Token] = at.Weight
			}
			if math.Abs(w[a]-0.7) > 0.03 || math.Abs(w[b]-0.3) > 0.03 || w[a]+w[b] < 0.99 {
				t.Fatalf("trial %d k %d (a %d, b %d): %+v", trial, k, a, b, m.Atoms)
			}
			if m.Explained < 1-1e-10 {
				t.Fatalf("explained %v", m.Explained)
			}
		}
	}
}

func TestDecomposeTwoWayNoisy(t *testing.T) {
	const V, d = 33, 128
	rng := rand.New(rand.NewPCG(3, 4))
	table := randTable(rng, V, d)
	for trial := 0; trial < 100; trial++ {
		a := rng.IntN(V)
		b := (a + 1 + rng.IntN(V-1)) % V
		ea, eb := unitRow(table, d, a), unitRow(table, d, b)
		g := make([]float64, d)
		var gn float64
		for i := range g {
			g[i] = rng.NormFloat64()
			gn += g[i] * g[i]
		}
		gn = math.Sqrt(gn)
		r := make([]float32, d)
		for i := range r {
			r[i] = float32(0.7*ea[i] + 0.3*eb[i] + 0.05*g[i]/gn)
		}
		m := Decompose(table, d, r, 2, nil)
		checkMixture(t, table, d, r, 2, m)
		if len(m.Atoms) != 2 || m.Atoms[0].Token != a || m.Atoms[1].Token != b ||
			math.Abs(m.Atoms[0].Weight-0.7) > 0.03 || math.Abs(m.Atoms[1].Weight-0.3) > 0.03 {
			t.Fatalf("trial %d (a %d, b %d): %+v", trial, a, b, m.Atoms)
		}
	}
}

func TestDecomposePureToken(t *testing.T) {
	const V, d = 33, 128
	rng := rand.New(rand.NewPCG(5, 6))
	table := randTable(rng, V, d)
	for a := 0; a < V; a++ {
		r := table[a*d : (a+1)*d] // the raw row: not unit length
		for _, k := range []int{1, 3, 40} {
			m := Decompose(table, d, r, k, nil)
			checkMixture(t, table, d, r, k, m)
			if len(m.Atoms) != 1 || m.Atoms[0].Token != a || m.Atoms[0].Weight != 1 {
				t.Fatalf("token %d k %d: %+v", a, k, m.Atoms)
			}
			if m.Explained < 1-1e-12 || math.Abs(m.Atoms[0].Coef-norm(r)) > 1e-9*norm(r) {
				t.Fatalf("token %d: %+v", a, m)
			}
		}
	}
}

func TestDecomposeThreeWay(t *testing.T) {
	const V, d = 33, 128
	rng := rand.New(rand.NewPCG(7, 8))
	table := randTable(rng, V, d)
	want := []float64{0.5, 0.3, 0.2}
	for trial := 0; trial < 150; trial++ {
		p := rng.Perm(V)[:3]
		r := mixLatent(table, d, p, want)
		for _, k := range []int{3, 4, 8} {
			m := Decompose(table, d, r, k, nil)
			checkMixture(t, table, d, r, k, m)
			w := map[int]float64{}
			for _, at := range m.Atoms {
				w[at.Token] = at.Weight
			}
			for i, tok := range p {
				if math.Abs(w[tok]-want[i]) > 0.03 {
					t.Fatalf("trial %d k %d %v: %+v", trial, k, p, m.Atoms)
				}
			}
		}
	}
}

// gradients returns ê_jᵀ(r − Σ coef·ê) for every row, recomputed here.
func gradients(table []float32, d int, r []float32, m Mixture) []float64 {
	res := residualVec(table, d, r, m)
	V := len(table) / d
	g := make([]float64, V)
	for j := range g {
		e := unitRow(table, d, j)
		for i := range e {
			g[j] += e[i] * res[i]
		}
	}
	return g
}

// TestDecomposeKKT checks the optimality conditions of non-negative least
// squares when fewer than k atoms are active: every allowed atom outside the
// support has gradient ≤ tol, every atom in it gradient ≈ 0 and coef > 0.
func TestDecomposeKKT(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := []struct{ V, d, k int }{
		{33, 128, 40}, // unlimited: full NNLS
		{12, 5, 10},   // support ≤ d = 5 < k
		{20, 3, 4},
		{33, 16, 6},
	}
	checked := 0
	for _, sh := range shapes {
		for trial := 0; trial < 40; trial++ {
			table := randTable(rng, sh.V, sh.d)
			r := make([]float32, sh.d)
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
			var allow func(int) bool
			if trial%2 == 1 {
				allow = func(tok int) bool { return tok%3 != 0 }
			}
			m := Decompose(table, sh.d, r, sh.k, allow)
			checkMixture(t, table, sh.d, r, sh.k, m)
			if len(m.Atoms) >= sh.k {
				continue
			}
			checked++
			in := map[int]bool{}
			for _, a := range m.Atoms {
				in[a.Token] = true
				if allow != nil && !allow(a.Token) {
					t.Fatalf("disallowed token %d used", a.Token)
				}
			}
			tol := 1e-9 * norm(r)
			for j, g := range gradients(table, sh.d, r, m) {
				if allow != nil && !allow(j) {
					continue
				}
				if in[j] && math.Abs(g) > tol || !in[j] && g > tol {
					t.Fatalf("shape %+v trial %d: gradient %v on token %d (in support %v)", sh, trial, g, j, in[j])
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d cases ended below k", checked)
	}
}

// bruteForce is the best residual over all supports of size ≤ k (within
// allow) whose unconstrained least-squares solution is non-negative: the
// k-sparse NNLS optimum. It solves the normal equations by Gaussian
// elimination with partial pivoting, independently of the code under test.
func bruteForce(table []float32, d int, r []float32, k int, allow func(int) bool) float64 {
	V := len(table) / d
	rv := make([]float64, d)
	for i := range rv {
		rv[i] = float64(r[i])
	}
	best := norm(r)
	var rows [][]float64
	for j := 0; j < V; j++ {
		if allow == nil || allow(j) {
			rows = append(rows, unitRow(table, d, j))
		}
	}
	n := len(rows)
	var all [][]int
	var walk func(from int, S []int)
	walk = func(from int, S []int) {
		if len(S) > 0 {
			all = append(all, append([]int(nil), S...))
		}
		if len(S) == k {
			return
		}
		for j := from; j < n; j++ {
			walk(j+1, append(S, j))
		}
	}
	walk(0, nil)
	for _, S := range all {
		s := len(S)
		A := make([][]float64, s) // augmented [G | b]
		for a := range A {
			A[a] = make([]float64, s+1)
			for b := range S {
				for i := 0; i < d; i++ {
					A[a][b] += rows[S[a]][i] * rows[S[b]][i]
				}
			}
			for i := 0; i < d; i++ {
				A[a][s] += rows[S[a]][i] * rv[i]
			}
		}
		singular := false
		for c := 0; c < s; c++ {
			p := c
			for q := c + 1; q < s; q++ {
				if math.Abs(A[q][c]) > math.Abs(A[p][c]) {
					p = q
				}
			}
			A[c], A[p] = A[p], A[c]
			if math.Abs(A[c][c]) < 1e-12 {
				singular = true
				break
			}
			for q := 0; q < s; q++ {
				if q != c {
					f := A[q][c] / A[c][c]
					for b := c; b <= s; b++ {
						A[q][b] -= f * A[c][b]
					}
				}
			}
		}
		if singular {
			continue
		}
		res := append([]float64(nil), rv...)
		feasible := true
		for c := 0; c < s; c++ {
			x := A[c][s] / A[c][c]
			if x < 0 {
				feasible = false
				break
			}
			for i := range res {
				res[i] -= x * rows[S[c]][i]
			}
		}
		if !feasible {
			continue
		}
		var rr float64
		for _, v := range res {
			rr += v * v
		}
		best = min(best, math.Sqrt(rr))
	}
	return best
}

// TestDecomposeBruteForce compares the residual with the k-sparse NNLS
// optimum found by enumeration (bruteForce, independent code): Decompose must
// reach it within 1e-9. The greedy Lawson–Hanson alone (budget 0) must reach
// it when it ends with fewer than k atoms (then it is the global NNLS
// optimum), when k ≤ 1 and when k ≥ d, and never beat it; how often it
// misses otherwise is logged.
func TestDecomposeBruteForce(t *testing.T) {
	const V, d = 6, 4
	rng := rand.New(rand.NewPCG(11, 12))
	for k := 0; k <= 5; k++ {
		var n, greedyExact int
		for trial := 0; trial < 400; trial++ {
			table := randTable(rng, V, d)
			r := make([]float32, d)
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
			var allow func(int) bool
			if trial%4 == 3 {
				skip := rng.IntN(V)
				allow = func(tok int) bool { return tok != skip }
			}
			ref := bruteForce(table, d, r, k, allow)
			m := Decompose(table, d, r, k, allow)
			checkMixture(t, table, d, r, k, m)
			if math.Abs(m.Residual-ref) > 1e-9 {
				t.Fatalf("k %d trial %d: residual %v, optimum %v (%+v)", k, trial, m.Residual, ref, m.Atoms)
			}
			g := decompose(table, d, r, k, allow, 0)
			checkMixture(t, table, d, r, k, g)
			n++
			if g.Residual < ref-1e-9 {
				t.Fatalf("greedy k %d trial %d: residual %v below the optimum %v", k, trial, g.Residual, ref)
			}
			match := math.Abs(g.Residual-ref) <= 1e-9
			if match {
				greedyExact++
			}
			if (k <= 1 || k >= d || len(g.Atoms) < k) && !match {
				t.Fatalf("greedy k %d trial %d: residual %v, optimum %v (%d atoms)", k, trial, g.Residual, ref, len(g.Atoms))
			}
		}
		t.Logf("k %d: greedy Lawson–Hanson optimal in %d/%d", k, greedyExact, n)
	}
}

// TestDecomposeExactLarger checks the exact search against brute force with
// more candidates: 33 (the tree vocabulary's size) in 24-d with latents near
// a 2- or 3-way mixture plus noise, and 20 in 6-d with random latents, where
// greedy Lawson–Hanson often misses the best support (the test demands that
// it did at least once, so that the search is exercised).
func TestDecomposeExactLarger(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	greedyMissed := 0
	for trial := 0; trial < 40; trial++ {
		k := 2 + trial%2
		var table, r []float32
		var d int
		if trial < 8 {
			const V = 33
			d = 24
			table = randTable(rng, V, d)
			p := rng.Perm(V)[:k]
			r = mixLatent(table, d, p, []float64{0.6, 0.4, 0.3}[:k])
			for i := range r {
				r[i] += float32(0.3 * rng.NormFloat64() / math.Sqrt(float64(d)))
			}
		} else {
			d = 6
			table = randTable(rng, 20, d)
			r = make([]float32, d)
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
		}
		ref := bruteForce(table, d, r, k, nil)
		m := Decompose(table, d, r, k, nil)
		checkMixture(t, table, d, r, k, m)
		if math.Abs(m.Residual-ref) > 1e-9 {
			t.Fatalf("trial %d: residual %v, optimum %v", trial, m.Residual, ref)
		}
		if g := decompose(table, d, r, k, nil, 0); g.Residual > ref+1e-9 {
			greedyMissed++
		}
	}
	if greedyMissed == 0 {
		t.Fatal("greedy never missed: the exact search was not exercised")
	}
	t.Logf("greedy missed the optimum in %d/40", greedyMissed)
}

func TestDecomposeDegenerate(t *testing.T) {
	const d = 3
	e := func(v ...float32) []float32 { return v }
	sub := math.Float32frombits // sub(n) = n × the smallest subnormal
	cases := []struct {
		name  string
		table []float32
		r     []float32
		k     int
		toks  []int // expected atoms (by weight), nil = none
	}{
		{"r zero", identityTable(3, 3), e(0, 0, 0), 2, nil},
		{"k zero", identityTable(3, 3), e(1, 2, 3), 0, nil},
		{"k negative", identityTable(3, 3), e(1, 2, 3), -4, nil},
		{"k > V", identityTable(3, 3), e(1, 2, 3), 10, []int{2, 1, 0}},
		{"no rows", nil, e(1, 2, 3), 3, nil},
		{"zero table", make([]float32, 9), e(1, 2, 3), 3, nil},
		{"duplicate rows", e(1, 1, 0, 2, 2, 0, 0, 0, 1), e(1, 1, 0), 3, []int{0}},
		{"antiparallel only", e(-1, 0, 0, 0, -1, 0), e(1, 1, 0), 2, nil},
		{"collinear in a plane", e(1, 0, 0, 0, 1, 0, 1, 1, 0), e(1, 1, 0), 3, []int{2}},
		{"nearly collinear", e(1, 0, 0, 1, 1e-7, 0, 1, -1e-7, 0), e(1, 0.5, 0.5), 3, nil},
		{"NaN row", e(float32(math.NaN()), 0, 0, 0, 1, 0), e(1, 1, 0), 2, []int{1}},
		{"Inf row", e(float32(math.Inf(1)), 0, 0, 0, 1, 0), e(1, 1, 0), 2, []int{1}},
		{"NaN r", identityTable(3, 3), e(float32(math.NaN()), 1, 0), 2, nil},
		{"Inf r", identityTable(3, 3), e(float32(math.Inf(-1)), 1, 0), 2, nil},
		{"huge", e(3e38, 3e38, 0, 0, 3e38, 3e38), e(2e38, 3e38, 1e38), 2, []int{0, 1}},
		{"tiny", e(sub(1), 0, 0, 0, sub(1), 0), e(sub(3), sub(1), sub(1)), 2, []int{0, 1}},
	}
	for _, c := range cases {
		m := Decompose(c.table, d, c.r, c.k, nil)
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("%s: %v (%+v)", c.name, err, m)
		}
		if math.IsNaN(m.Residual) || math.IsNaN(m.Explained) || m.Explained < 0 || m.Explained > 1 {
			t.Fatalf("%s: %+v", c.name, m)
		}
		finite := !math.IsNaN(norm(c.r)) && !math.IsInf(norm(c.r), 0)
		if finite {
			checkMixture(t, c.table, d, c.r, c.k, m)
		}
		if c.name == "nearly collinear" {
			continue // any non-negative answer will do; only sanity is checked
		}
		if len(m.Atoms) != len(c.toks) {
			t.Fatalf("%s: atoms %+v, want tokens %v", c.name, m.Atoms, c.toks)
		}
		for i, tok := range c.toks {
			if m.Atoms[i].Token != tok {
				t.Fatalf("%s: atoms %+v, want tokens %v", c.name, m.Atoms, c.toks)
			}
		}
	}
}

func TestDecomposeDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	table := randTable(rng, 33, 64)
	r := make([]float32, 64)
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	a, _ := json.Marshal(Decompose(table, 64, r, 6, nil))
	b, _ := json.Marshal(Decompose(table, 64, r, 6, nil))
	if string(a) != string(b) {
		t.Fatalf("%s\n%s", a, b)
	}
}

// FuzzDecompose feeds arbitrary tables and latents (every float32 bit
// pattern: zeros, subnormals, huge, Inf, NaN) and checks the invariants.
func FuzzDecompose(f *testing.F) {
	f.Add([]byte{3, 4, 2, 0, 0, 128, 63, 0, 0, 0, 0, 0, 0, 128, 63})
	f.Add([]byte{1, 1, 9, 0, 0, 0, 0})
	f.Add([]byte{2, 5, 3, 255, 255, 127, 127, 1, 0, 0, 0, 0, 0, 192, 127, 0, 0, 128, 255})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		d := int(data[0]%8) + 1
		V := int(data[1] % 9)
		k := int(data[2]%12) - 1
		data = data[3:]
		next := func() float32 {
			if len(data) < 4 {
				return 0
			}
			v := math.Float32frombits(binary.LittleEndian.Uint32(data))
			data = data[4:]
			return v
		}
		r := make([]float32, d)
		for i := range r {
			r[i] = next()
		}
		table := make([]float32, V*d)
		for i := range table {
			table[i] = next()
		}
		m := Decompose(table, d, r, k, nil)
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("not encodable: %v %+v", err, m)
		}
		if m.Explained < 0 || m.Explained > 1 || m.Residual < 0 {
			t.Fatalf("%+v", m)
		}
		if len(m.Atoms) > max(k, 0) {
			t.Fatalf("%d atoms, k %d", len(m.Atoms), k)
		}
		var sum float64
		for _, a := range m.Atoms {
			if !(a.Coef > 0) || !(a.Weight > 0) {
				t.Fatalf("%+v", m)
			}
			sum += a.Weight
		}
		if len(m.Atoms) > 0 && math.Abs(sum-1) > 1e-9 {
			t.Fatalf("weights sum to %v", sum)
		}
		rn := norm(r)
		if len(m.Atoms) > 0 && !math.IsInf(rn, 0) && !math.IsNaN(rn) {
			if m.Residual > rn*(1+1e-9) {
				t.Fatalf("residual %v > ‖r‖ %v", m.Residual, rn)
			}
			res := residualVec(table, d, r, m)
			var rr float64
			for _, v := range res {
				rr += v * v
			}
			if math.Abs(math.Sqrt(rr)-m.Residual) > 1e-9*rn {
				t.Fatalf("residual %v, recomputed %v", m.Residual, math.Sqrt(rr))
			}
		}
	})
}
