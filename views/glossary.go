package views

// Term is one entry of the glossary: a term shown on the screen and what
// it means.
type Term struct {
	Term, Text string
}

// Verdict wording: the "when" column of docs/VERDICTS.md, word for word
// (without Markdown); a test compares them with that page.
var verdictTerms = []Term{
	{"pending ·", "the evidence does not decide yet: the lane has not finished (a lane no injection reaches and that has been right so far; or any reached lane before its last step — it may still leave or rejoin the clean run)"},
	{"correct ✓", "no injection reached the lane, it finished, and every step it chose itself is right"},
	{"wrong ✗", "no injection reached the lane and a step it chose itself is wrong — the clean run itself is wrong; decided at that step"},
	{"contained ◆", "an injection reached the lane, it finished, and every step it chose itself equals the clean run"},
	{"recovered ↺", "an injection reached the lane; it left the clean run on a step it chose itself (left), then rejoined it and stayed on it to the end (rejoined, the step from which it is back)"},
	{"propagated ✗", "an injection reached the lane, and its last step chosen itself still differs from the clean run"},
	{"unknown ·", "no injection reached the lane, it finished, and the task has no reference answer to judge it by (free text, tasks/text)"},
}

// Glossary is every term the explorer's screen shows, in the order a
// reader meets them (panels left to right, top to bottom, then the lanes
// and their verdicts).
func Glossary() []Term {
	terms := []Term{
		{"latent", "One step of the Reasoner's thinking: a unit-length vector (a point on the sphere), not a token. The trajectory has one cell per latent; the Talkers turn latents into tokens."},
		{"[X] route, (X) target", "On the problem tree: the nodes of the route up to the selected step, and the leaf the route must reach. The numbers under the nodes are the selected latent's mixture weights."},
		{"Ē (target table)", "The EMA target table: one unit direction per token, the space the Reasoner's latents are trained to land in (SST). Nearest tokens are read against it."},
		{"E (input embedding)", "The token embedding the models read their input with; \"in E\" lists the latent's nearest rows there too."},
		{"cosine", "The cosine of the angle between the latent and a token's direction: 1 points the same way, 0 is unrelated. Nearest tokens are the largest cosines."},
		{"top-1", "The largest cosine at a step (the trajectory's sparkline): how close the latent sits to one token."},
		{"margin", "Top-1 cosine minus top-2 cosine: how clearly the nearest token wins. A small margin means two tokens are almost as close."},
		{"angle", "The angle between a latent and the previous step's latent, in degrees: how far the chain moves on the sphere in one step."},
		{"‖h‖ before L2", "The length of the Reasoner's output vector before it is normalised onto the unit sphere; only its direction is kept as the latent."},
		{"mixture weight", "The latent written as a non-negative mix of token directions (letters and EOS): each token's share of the mix, summing to 1. The hypotheses the latent holds."},
		{"c (coefficient)", "A mixture token's raw coefficient on its unit direction, in the units of the latent (the weight is c over the sum of the c's)."},
		{"residual, explained", "What the mixture leaves out: the length of latent − mixture, and the share of the latent's squared length the mixture explains."},
		{"sibling plane", "The plane spanned by the Ē directions of the correct child and its sibling at a step (the two branches of the route's node): the step's choice between two hypotheses."},
		{"α and β", "The latent's coefficients in the sibling plane: α on the correct child, β on the sibling. α > β: the correct child leads (✓ correct leads)."},
		{"dist", "The distance from the latent to the sibling plane: 0 means the latent lies in it (a mix of the two children only)."},
		{"plane rank", "How the sibling plane ranks among the planes of all token pairs by distance to the latent, as a top percentage: small means this pair of hypotheses explains the latent better than almost any other."},
		{"* injected", "A token forced into a lane by an injection (talker@T=X, baseline@T=X); in the trajectory, a step with an injection."},
		{"! differs", "A token that differs from the clean run: the same problem without injections."},
		{"clean run", "The same problem run again without any injection; verdicts and Δlatent compare with it."},
		{"Δlatent", "The largest change of the Reasoner's latents against the clean run: max |r − r_clean| over steps and components. Exactly 0 after a token injection, because the Reasoner never reads a sampled token: contained by construction."},
		{"reasoner lane", "The Reasoner's chain read out by each latent's nearest token in Ē: no model of its own."},
		{"mono-talker", "A Talker that reads only the latent trajectory."},
		{"dual-talker", "A Talker that reads the latents and its own tokens so far (it re-decodes the whole trajectory at each step); a token can be forced into it (t)."},
		{"baseline", "The coupled Transformer: an ordinary model that reads its own sampled tokens, the way most language models generate; a token can be forced into it (b)."},
		{"forced EOS", "An [EOS] ends a real generation: a user would receive the tokens before it. The explorer keeps stepping to show what the lane would do if made to go on."},
		{"breakpoint", "A condition over a step's read-outs (margin<0.2, angle>80, entropy>0.69, dlatent>0.1, change, diverge:LANE, invalid:LANE; B lists them): run until (>) takes steps until one that is on holds."},
		{"fork", "The chain continued from a step whose latent is replaced by another hypothesis its mixture holds (the K-th component's target-table row, or the latent without its top component): its lanes show under the run's, ! where they differ from the run (f forks, F leaves)."},
		{"PCA scatter", "The steps' latents (digits) and the problem's hypotheses' target-table rows (letters) on the top two principal components of those points: latents lying between vocabulary points hold several hypotheses at once."},
	}
	return append(terms, verdictTerms...)
}
