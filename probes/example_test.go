package probes_test

import (
	"fmt"
	"math"

	"jrx/probes"
)

// A latent built as a known mixture of two token directions, read back by
// the general probes. The table's rows are orthogonal with different norms
// (3 and 0.5 among them), so the expected answers follow by hand: the
// latent is L2(0.6·ê1 + 0.4·ê3), whose cosines are 0.6/‖·‖ ≈ 0.83 with
// token 1 and 0.4/‖·‖ ≈ 0.55 with token 3 (‖0.6, 0.4‖ = √0.52), its mixture
// weights are 0.6 and 0.4 over unit directions whatever the row norms, and
// it lies in the plane of tokens 1 and 3.
func Example() {
	const d = 4
	table := []float32{
		1, 0, 0, 0, // token 0
		0, 3, 0, 0, // token 1
		0, 0, 2, 0, // token 2
		0, 0, 0, 0.5, // token 3
	}
	n := math.Sqrt(0.6*0.6 + 0.4*0.4)
	lat := []float32{0, float32(0.6 / n), 0, float32(0.4 / n)}

	near := probes.Nearest(table, d, lat, 2, nil)
	fmt.Printf("nearest: token %d (cos %.2f), token %d (cos %.2f)\n", near[0].Token, near[0].Cos, near[1].Token, near[1].Cos)

	mix := probes.Decompose(table, d, lat, 3, nil)
	for _, a := range mix.Atoms {
		fmt.Printf("atom: token %d weight %.2f\n", a.Token, a.Weight)
	}
	fmt.Printf("explained %.2f\n", mix.Explained)

	pl := probes.ProjectPlane(table, d, lat, 1, 3)
	fmt.Printf("distance to the plane of tokens 1 and 3: %.2f\n", pl.Dist)

	// Output:
	// nearest: token 1 (cos 0.83), token 3 (cos 0.55)
	// atom: token 1 weight 0.60
	// atom: token 3 weight 0.40
	// explained 1.00
	// distance to the plane of tokens 1 and 3: 0.00
}

// Points spread along one direction: the first principal component is that
// direction (sign fixed: largest entry positive) and explains all the
// variance.
func ExamplePCA() {
	var rows [][]float32
	for _, t := range []float32{-2, -1, 0, 1, 2} {
		rows = append(rows, []float32{3 * t, 4 * t, 1}) // along (3, 4, 0)/5, offset in z
	}
	comps, explained, _ := probes.PCA(rows, 1)
	fmt.Printf("component %.2f, explained %.2f\n", comps[0], explained[0])
	// Output:
	// component [0.60 0.80 0.00], explained 1.00
}
