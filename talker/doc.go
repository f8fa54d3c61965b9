// Package talker holds the Mono-Talker and the Dual-Talker, which turn a
// latent trajectory into tokens. The Reasoner never reads their output.
package talker
