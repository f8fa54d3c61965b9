// Package text is the free-text task: model sets with a natural-text
// vocabulary (read through a Hugging Face tokenizer.json, see Tokenizer),
// whose sessions read a typed prompt and take a fixed number of latent
// steps with no reference answer. It is what jrx opens a big model trained
// elsewhere with (jrx init --config gsm8k-0.9b writes one).
//
// Invariants: a Problem's Answer is Steps entries of -1 (unknown), its
// CheckAnswer accepts everything, and it has no hypotheses, rivals or
// mistakes, so read-outs and panels that need a right answer have nothing
// to show; the engine takes a latent's mixture over its nearest tokens.
// The tokenizer file is named in the recipe ("tokenizer") and read by the
// engine from the set's directory (Task.Files, Task.WithFiles).
//
// Example (a recipe in a Reasoner's metadata):
//
//	{"task":"text","vocab":32000,"steps":16,"max_prompt":960,"tokenizer":"tokenizer.json"}
package text
