// Package figures draws jrx's reports as the paper's figures with
// gonum.org/v1/plot, and writes them as SVG or PNG: the PCA of route
// latents with the vocabulary (Fig. 2), the Talker ablations (App. C), and
// the error-containment figures (propagation by step, the input-corruption
// and latent-noise curves), and the SST loss-scale sweep (App. D: the
// correct major contributor rate against SST steps per k). It only reads
// engine and train reports; it never runs a model.
//
// Invariants: the same report gives the same SVG bytes (a golden test
// checks the structure: elements present, axes labelled); writes are
// atomic (internal/safeio: a temporary file renamed into place).
//
// Example:
//
//	fig := figures.PCA(rep)
//	err := fig.Write("pca.svg", figures.SVG)
package figures
