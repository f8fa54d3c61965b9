// Package probes holds read-outs and experiments over latents: nearest
// tokens by cosine, mixture decomposition, the sibling-plane probe, PCA,
// containment and divergence measures, and the sweeps that reproduce the
// paper's tables.
package probes
