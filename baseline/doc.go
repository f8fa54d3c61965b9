// Package baseline holds the coupled Transformer T: the same network as the
// Reasoner, decoding greedily with its own tokens fed back into its context.
package baseline
