package train

import "jrx/internal/modelfiles"

// Files written in the output directory: the model set, whose names have
// their one home in internal/modelfiles (engine reads them back under the
// same names), and the pretrained token network, which only train writes.
const (
	FileReasoner = modelfiles.Reasoner
	FileBaseline = modelfiles.Baseline
	FileMono     = modelfiles.Mono
	FileDual     = modelfiles.Dual
	FilePretrain = "pretrain.safetensors"
)
