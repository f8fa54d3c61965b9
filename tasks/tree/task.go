package tree

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"jrx/tasks"
)

// Name is the tree task's registry name, stored in checkpoints.
const Name = "tree"

func init() { tasks.Register(Name, Factory) }

// Task is the tree-search task of one configuration; it implements
// tasks.Task. Sample draws cfg's trees (edge order and target policy
// included); the evaluation form has leaf targets.
type Task struct {
	cfg     Config
	pretain Config // the pretraining distribution (targets at any depth, or leaves)
}

// NewTask returns the task of cfg (validated); its pretraining variant is
// the same trees with pretrain's target policy.
func NewTask(cfg Config, pretrain TargetPolicy) (*Task, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := cfg
	p.TargetDepth = pretrain
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Task{cfg: cfg, pretain: p}, nil
}

// Settings are the fields of a training recipe (train.Recipe's JSON) that
// configure the tree task. Missing fields take the defaults: 4 levels,
// shuffled edges, leaf targets.
type Settings struct {
	Depth           int    `json:"depth"`
	Order           string `json:"order"`
	PretrainTargets string `json:"pretrain_targets"`
}

// Config returns the evaluation configuration (leaf targets) and the
// pretraining target policy the settings describe.
func (s Settings) Config() (Config, TargetPolicy, error) {
	c := Config{Depth: s.Depth, TargetDepth: LeafOnly}
	switch s.Order {
	case "", "shuffled":
		c.Order = Shuffled
	case "level":
		c.Order = LevelOrder
	default:
		return c, 0, fmt.Errorf("tree task: unknown edge order %q (want shuffled or level)", s.Order)
	}
	var pre TargetPolicy
	switch s.PretrainTargets {
	case "", "leaf":
		pre = LeafOnly
	case "any-depth":
		pre = AnyDepth
	default:
		return c, 0, fmt.Errorf("tree task: unknown pretrain targets %q (want leaf or any-depth)", s.PretrainTargets)
	}
	return c, pre, c.Validate()
}

// Factory builds the tree task from a recipe's JSON (see Settings).
func Factory(settings json.RawMessage) (tasks.Task, error) {
	var s Settings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &s); err != nil {
			return nil, fmt.Errorf("tree task settings: %w", err)
		}
	}
	c, pre, err := s.Config()
	if err != nil {
		return nil, err
	}
	return NewTask(c, pre)
}

// Levels is the depth of the task's trees.
func (t *Task) Levels() int { return t.cfg.Levels() }

// Config is the task's evaluation configuration.
func (t *Task) Config() Config { return t.cfg }

// Name is "tree".
func (t *Task) Name() string { return Name }

// Vocab is the tree vocabulary.
func (t *Task) Vocab() tasks.Vocab { return NewVocab() }

// Sample draws a tree of the task's configuration.
func (t *Task) Sample(rng *rand.Rand) tasks.Problem { return &Problem{NewTree(t.cfg, rng)} }

// Pretraining is the task whose Sample draws the pretraining trees.
func (t *Task) Pretraining() tasks.Task {
	return &Task{cfg: t.pretain, pretain: t.pretain}
}

// Parse reads a typed tree (see ParseTree); the target must be a leaf.
func (t *Task) Parse(text string) (tasks.Problem, error) {
	tr, err := ParseTree(text)
	if err != nil {
		return nil, err
	}
	return &Problem{tr}, nil
}

// Distribution says which trees the models were trained on.
func (t *Task) Distribution() string {
	c := t.cfg
	return fmt.Sprintf("complete binary trees of %d levels (%d distinct letters), %s edges, the target a leaf", c.Levels(), c.NumNodes(), c.Order)
}

// InDistribution is nil for a complete tree of the task's depth with a leaf
// target.
func (t *Task) InDistribution(p tasks.Problem) error {
	tp, ok := p.(*Problem)
	if !ok {
		return fmt.Errorf("not a tree problem")
	}
	tr := tp.Tree
	switch {
	case tr.Levels() != t.cfg.Levels():
		return fmt.Errorf("this tree has %d levels; the models were trained on %d-level trees", tr.Levels(), t.cfg.Levels())
	case !tr.IsComplete():
		return fmt.Errorf("this tree is not complete (%d nodes); the models were trained on complete %d-level trees (%d nodes)", tr.NumNodes(), t.cfg.Levels(), t.cfg.NumNodes())
	case !tr.IsLeaf(tr.Target()):
		return fmt.Errorf("the target %s is not a leaf; the models were trained on leaf targets", Sym(tr.Target()))
	}
	return nil
}

// MaxPrompt is the prompt length of a tree of the task's depth.
func (t *Task) MaxPrompt() int { return t.cfg.MaxSeqLen() - t.MaxAnswer() }

// MaxAnswer is the longest answer: a leaf's route and [EOS].
func (t *Task) MaxAnswer() int { return t.cfg.Levels() + 1 }

// Problem is one tree as a tasks.Problem.
type Problem struct{ Tree *Tree }

// Text is the tree's prompt text ("...[ROOT]N[TARGET]K").
func (p *Problem) Text() string { return p.Tree.PromptString() }

// Prompt is the tokens through [ROUTE].
func (p *Problem) Prompt() []int { return p.Tree.Prompt(nil) }

// Answer is the route, then [EOS].
func (p *Problem) Answer() []int { return p.Tree.Answer(nil) }

// CheckAnswer checks a route followed by [EOS].
func (p *Problem) CheckAnswer(ans []int) error {
	n := len(ans)
	if n == 0 || ans[n-1] != IDEOS {
		for i, t := range ans {
			if t == IDEOS {
				if err := p.Tree.CheckRoute(ans[:i]); err != nil {
					return err
				}
				return &RouteError{i, "[EOS] before the end"}
			}
		}
		if err := p.Tree.CheckRoute(ans); err != nil {
			return err
		}
		return &RouteError{n, "no [EOS] after the route"}
	}
	return p.Tree.CheckRoute(ans[:n-1])
}

// Hypotheses are the tree's nodes in Nodes order, then [EOS].
func (p *Problem) Hypotheses() []int { return append(p.Tree.Nodes(), IDEOS) }

// Rival is the correct child and its sibling at step t (1-based) before
// the last step.
func (p *Problem) Rival(t int) (correct, rival int, ok bool) {
	if t >= len(p.Tree.Route())+1 {
		return -1, -1, false
	}
	return p.Tree.Siblings(t - 1)
}

// RivalName is "sibling": a route step's rival is the other child.
func (p *Problem) RivalName() string { return "sibling" }

// NoRival says why step t (1-based) has no sibling.
func (p *Problem) NoRival(t int) string {
	switch {
	case t == 1:
		return "step 1 names the root"
	case t == len(p.Tree.Route())+1:
		return "EOS step"
	}
	return "no choice between two children at this step"
}

// Mistakes at step t (1-based): the sibling of the correct child, the
// target a level too early (at any route node before the target), and a
// premature [EOS] (at any route node).
func (p *Problem) Mistakes(t int) []Mistake {
	ans := p.Answer()
	if t < 1 || t > len(ans) {
		return nil
	}
	truth := ans[t-1]
	var out []Mistake
	if _, sib, ok := p.Rival(t); ok {
		out = append(out, Mistake{Kind: tasks.Rival, Token: sib, Label: fmt.Sprintf("the sibling %s, the other branch", Sym(sib))})
	}
	if IsLetter(truth) && truth != p.Tree.Target() {
		tg := p.Tree.Target()
		out = append(out, Mistake{Kind: tasks.Skip, Token: tg, Label: fmt.Sprintf("the target %s, skipping a level", Sym(tg))})
	}
	if IsLetter(truth) {
		out = append(out, Mistake{Kind: tasks.End, Token: IDEOS, Label: "a premature EOS"})
	}
	return out
}

// Mistake is tasks.Mistake.
type Mistake = tasks.Mistake

// WrongToken is the sibling of the correct child where there is one (the
// plausible mistake), otherwise another node of the tree drawn from rng.
func (p *Problem) WrongToken(t int, rng *rand.Rand) int {
	answer := p.Answer()
	if _, sib, ok := p.Tree.Siblings(t - 1); ok && t < len(answer) {
		return sib
	}
	nodes := p.Tree.Nodes()
	for {
		c := nodes[rng.IntN(len(nodes))]
		if c != answer[t-1] {
			return c
		}
	}
}

// Sym is a token as the panels show it (Vocab.Short).
func Sym(id int) string { var v *Vocab; return v.Short(id) }

// Problems wraps trees as tasks.Problems (for tasks.MakeBatch).
func Problems(trees []*Tree) []tasks.Problem {
	out := make([]tasks.Problem, len(trees))
	for i, t := range trees {
		out[i] = &Problem{t}
	}
	return out
}

// Of returns the tree of a tree problem (nil for another task's problem).
func Of(p tasks.Problem) *Tree {
	if tp, ok := p.(*Problem); ok {
		return tp.Tree
	}
	return nil
}
