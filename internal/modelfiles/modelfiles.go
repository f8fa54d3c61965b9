package modelfiles

// The files of a model set.
const (
	Reasoner = "reasoner.safetensors" // the Reasoner with its EMA target table (latent)
	Baseline = "baseline.safetensors" // the coupled Transformer T (baseline)
	Mono     = "mono.safetensors"     // the Mono-Talker (talker)
	Dual     = "dual.safetensors"     // the Dual-Talker (talker)
	// Coconut is optional: the grammar task's COCONUT model (baseline).
	Coconut = "coconut.safetensors"
)

// All lists the files of a model set in the order train writes them and
// engine loads them.
func All() []string { return []string{Reasoner, Baseline, Mono, Dual} }
