package train

import (
	"encoding/json"
	"strings"
)

// A stage's key is the part of a recipe that determines the stage's
// numbers: a state file whose saved recipe has the same key as the
// current one is resumed (or, when finished, loaded) even if other parts
// of the recipe changed. So a later stage's settings (SST's learning rate,
// k, the Talkers' steps) can be changed and the run resumed with --resume,
// keeping the pretrained network instead of training it again. The fields
// no stage reads (evaluation sizes, the final evaluation's seed, the SST
// curve's interval) are in no key.

// stageKey is the tree recipe's key of the named stage.
func (r Recipe) stageKey(stage string) string {
	k := r
	k.EvalEvery, k.EvalN, k.FinalEvalN, k.FinalEvalSeed, k.SSTCurveEvery = 0, 0, 0, 0, 0
	talker := stage == "mono" || stage == "dual"
	if !talker {
		k.MonoLayers, k.DualEnc, k.DualDec, k.TalkerSteps, k.TalkerLR, k.TalkerBatch = 0, 0, 0, 0, 0, 0
	}
	if stage == "pretrain" {
		k.SSTSteps, k.SSTLR, k.SSTWarmup = 0, 0, 0
		// k and the EMA momentum are SST's (MODEL.md): pretraining never reads them.
		k.Model.K, k.Model.EMA = 0, 0
	}
	if stage == "baseline" {
		k.Model.K, k.Model.EMA = 0, 0
	}
	if !talker {
		// The feedback scale acts only on free-running latents: the
		// Talkers' inputs; every other stage is teacher-forced.
		k.Model.FeedbackScale = 0
	}
	return compactJSON(k)
}

// stageKey is the grammar recipe's key of the named stage.
func (r CFGRecipe) stageKey(stage string) string {
	k := r
	k.EvalEvery, k.EvalN, k.EvalEndN, k.FinalEvalN, k.FinalEvalSeed = 0, 0, 0, 0, 0
	sst := stage == "sst"
	talker := stage == "dual" || stage == "mono"
	coconut := strings.HasPrefix(stage, "coconut")
	if !sst && !talker {
		k.ReasonerLayers = 0
		k.Model.K, k.Model.EMA = 0, 0
	}
	if !talker {
		k.Model.FeedbackScale = 0 // it acts only on free-running latents (the Talkers' inputs)
	}
	if !sst && !talker {
		k.SSTFeedPasses, k.SSTFeedBoost, k.SSTFeedMajor = 0, 0, false // T's continuation reads SST's steps and schedule, not this
	}
	if !sst && !talker && stage != "baseline" {
		k.SSTSteps, k.SSTLR, k.SSTMinLR, k.SSTWarmup = 0, 0, 0, 0
	}
	if !talker {
		k.MonoLayers, k.DualEnc, k.DualDec, k.DualSteps, k.MonoSteps, k.TalkerLR, k.TalkerBatch = 0, 0, 0, 0, 0, 0, 0
	}
	if !coconut {
		k.CoconutSteps, k.CoconutLR, k.CoconutBatch = nil, 0, 0
	}
	return compactJSON(k)
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// sameStage reports whether a state file saved with the recipe JSON saved
// may be resumed by the stage under the recipe JSON now: the same recipe,
// or the same key of this stage. decode parses a recipe's JSON and returns
// its key of the stage.
func sameStage(saved, now string, key func(recipeJSON string) (string, bool)) bool {
	if saved == now {
		return true
	}
	if key == nil {
		return false
	}
	a, okA := key(saved)
	b, okB := key(now)
	return okA && okB && a == b
}

// treeStageKey and cfgStageKey decode a recipe's JSON and return the
// stage's key (false when the JSON is not such a recipe).
func treeStageKey(stage string) func(string) (string, bool) {
	return func(s string) (string, bool) {
		var r Recipe
		if json.Unmarshal([]byte(s), &r) != nil {
			return "", false
		}
		return r.stageKey(stage), true
	}
}

func cfgStageKey(stage string) func(string) (string, bool) {
	return func(s string) (string, bool) {
		var r CFGRecipe
		if json.Unmarshal([]byte(s), &r) != nil {
			return "", false
		}
		return r.stageKey(stage), true
	}
}
