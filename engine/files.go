package engine

import "jrx/internal/modelfiles"

// Model file names inside a model-set directory (their one home is
// internal/modelfiles, shared with package train, which writes them).
const (
	FileReasoner = modelfiles.Reasoner
	FileBaseline = modelfiles.Baseline
	FileMono     = modelfiles.Mono
	FileDual     = modelfiles.Dual
)
