// Package latent is the Reasoner: the Transformer stack with the hybrid
// RMSNorm/L2 output, latent feedback, and the EMA target table, plus
// hypersphere math.
package latent
