// Package engine runs sessions: it loads a model set, prefills a prompt,
// steps the Reasoner one latent at a time, runs the Talkers and the baseline
// in lockstep, injects errors, steps back, records and replays. It returns
// immutable snapshots and never imports Bubble Tea.
package engine
