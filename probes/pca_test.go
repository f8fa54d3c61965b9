package probes

import (
	"math"
	"math/rand/v2"
	"testing"
)

// orthonormal returns m random orthonormal vectors of width d (Gram–Schmidt).
func orthonormal(rng *rand.Rand, m, d int) [][]float64 {
	var out [][]float64
	for len(out) < m {
		v := make([]float64, d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for _, u := range out {
			p := f64dot(v, u)
			for i := range v {
				v[i] -= p * u[i]
			}
		}
		if f64unit(v) {
			out = append(out, v)
		}
	}
	return out
}

// checkPCA verifies the structural invariants of a result against
// independent recomputation: orthonormal components with a positive largest
// entry, projections equal to (row − mean)·component, and explained[i] equal
// to the variance of the projections over the total variance.
func checkPCA(t *testing.T, rows [][]float32, comp [][]float64, expl []float64, proj [][]float64) {
	t.Helper()
	n, d := len(rows), len(rows[0])
	mean := make([]float64, d)
	for _, r := range rows {
		for i, v := range r {
			mean[i] += float64(v) / float64(n)
		}
	}
	var total float64
	for _, r := range rows {
		for i, v := range r {
			total += (float64(v) - mean[i]) * (float64(v) - mean[i])
		}
	}
	if len(proj) != n {
		t.Fatalf("%d projections for %d rows", len(proj), n)
	}
	for i, c := range comp {
		if len(c) != d {
			t.Fatalf("component %d has width %d", i, len(c))
		}
		for j := range comp {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(f64dot(c, comp[j])-want) > 1e-9 {
				t.Fatalf("components %d·%d = %v", i, j, f64dot(c, comp[j]))
			}
		}
		big := 0
		for a := range c {
			if math.Abs(c[a]) > math.Abs(c[big]) {
				big = a
			}
		}
		if c[big] < 0 {
			t.Fatalf("component %d: largest entry negative", i)
		}
		var v float64
		for j, r := range rows {
			var p float64
			for a, x := range r {
				p += (float64(x) - mean[a]) * c[a]
			}
			if math.Abs(p-proj[j][i]) > 1e-9*(1+math.Abs(p)) {
				t.Fatalf("projection %d,%d = %v, want %v", j, i, proj[j][i], p)
			}
			v += p * p
		}
		want := 0.0
		if total > 0 {
			want = v / total
		}
		if math.Abs(expl[i]-want) > 1e-9 {
			t.Fatalf("explained %d = %v, projection variance ratio %v", i, expl[i], want)
		}
		if i > 0 && expl[i] > expl[i-1]+1e-12 {
			t.Fatalf("explained not descending: %v", expl)
		}
	}
}

func TestPCAKnownAxes(t *testing.T) {
	const n, d = 4000, 5
	rng := rand.New(rand.NewPCG(21, 22))
	ax := orthonormal(rng, d, d) // ax[0]: σ = 3, ax[1]: σ = 1, rest σ = 0.1
	sigma := []float64{3, 1, 0.1, 0.1, 0.1}
	offset := []float64{10, -5, 2, 0, 7}
	rows := make([][]float32, n)
	for j := range rows {
		r := make([]float32, d)
		for a := range r {
			r[a] = float32(offset[a])
		}
		for q := range ax {
			z := sigma[q] * rng.NormFloat64()
			for a := range r {
				r[a] += float32(z * ax[q][a])
			}
		}
		rows[j] = r
	}
	comp, expl, proj := PCA(rows, 3)
	if len(comp) != 3 || len(expl) != 3 || len(proj[0]) != 3 {
		t.Fatalf("shapes %d %d %d", len(comp), len(expl), len(proj[0]))
	}
	checkPCA(t, rows, comp, expl, proj)
	tot := 9 + 1 + 3*0.01
	for i, want := range []float64{9 / tot, 1 / tot, 0.01 / tot} {
		if math.Abs(expl[i]-want) > 0.03*want+1e-4 {
			t.Fatalf("explained %v, want ≈ %v", expl, []float64{9 / tot, 1 / tot, 0.01 / tot})
		}
	}
	for i := 0; i < 2; i++ {
		if c := math.Abs(f64dot(comp[i], ax[i])); c < 0.999 {
			t.Fatalf("component %d: |cos| to its axis %v", i, c)
		}
	}
}

// TestPCAExact uses four points ±3·a1, ±1·a2 (mean 0 after an offset):
// scatter 18·a1a1ᵀ + 2·a2a2ᵀ, so the ratios are exactly 0.9 and 0.1 and the
// components are ±a1, ±a2. d = 3 takes the d×d path, d = 20 the n×n one.
func TestPCAExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, d := range []int{3, 20} {
		ax := orthonormal(rng, 2, d)
		coef := [][2]float64{{3, 0}, {-3, 0}, {0, 1}, {0, -1}}
		rows := make([][]float32, len(coef))
		for j, c := range coef {
			r := make([]float32, d)
			for a := range r {
				r[a] = float32(0.5 + c[0]*ax[0][a] + c[1]*ax[1][a])
			}
			rows[j] = r
		}
		comp, expl, proj := PCA(rows, 10)
		wantK := min(d, len(rows))
		if len(comp) != wantK {
			t.Fatalf("d %d: %d components, want %d", d, len(comp), wantK)
		}
		checkPCA(t, rows, comp, expl, proj)
		want := []float64{0.9, 0.1}
		for i := range comp {
			w := 0.0
			if i < 2 {
				w = want[i]
			}
			if math.Abs(expl[i]-w) > 1e-6 {
				t.Fatalf("d %d: explained %v", d, expl)
			}
		}
		for i := 0; i < 2; i++ {
			if c := math.Abs(f64dot(comp[i], ax[i])); c < 1-1e-6 {
				t.Fatalf("d %d: component %d |cos| %v", d, i, c)
			}
		}
		// Projections on PC1 are ±3·‖a1‖ for the first two points.
		if math.Abs(math.Abs(proj[0][0])-3) > 1e-5 || math.Abs(proj[0][0]+proj[1][0]) > 1e-5 {
			t.Fatalf("d %d: projections %v", d, proj)
		}
	}
}

func TestPCADegenerate(t *testing.T) {
	if c, e, p := PCA(nil, 2); c != nil || e != nil || p != nil {
		t.Fatal("no rows must give nils")
	}
	rows := [][]float32{{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}
	if c, _, _ := PCA(rows, 0); c != nil {
		t.Fatal("k = 0 must give nils")
	}
	comp, expl, proj := PCA(rows, 2)
	if len(comp) != 2 {
		t.Fatalf("%d components", len(comp))
	}
	checkPCA(t, rows, comp, expl, proj)
	for i := range expl {
		if expl[i] != 0 {
			t.Fatalf("zero variance: explained %v", expl)
		}
	}
	one := [][]float32{{4, 5}}
	comp, expl, proj = PCA(one, 3)
	if len(comp) != 1 || expl[0] != 0 || proj[0][0] != 0 {
		t.Fatalf("single row: %v %v %v", comp, expl, proj)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("unequal widths must panic")
		}
	}()
	PCA([][]float32{{1, 2}, {1}}, 1)
}
