package tour

import (
	"context"
	"errors"
	"fmt"

	"jrx/engine"
)

// Result is a page's commentary as the tour shows it: every paragraph with
// its {QUERY} parts filled in from the engine, or a warning in its place
// when an expectation it states does not hold.
type Result struct {
	Lesson, Page   string
	LessonN, PageN int // 1-based positions (set by the caller that knows them)
	Paras          []ParaResult
}

// ParaResult is one paragraph of a page as shown.
type ParaResult struct {
	Text string
	// Failed lists what did not hold ("expected … ; the engine gives …");
	// when it is not empty the tour shows a warning instead of Text.
	Failed []string
	Line   int
}

// OK reports whether every expectation of the page held.
func (r Result) OK() bool {
	for _, p := range r.Paras {
		if len(p.Failed) > 0 {
			return false
		}
	}
	return true
}

// Failures lists every failed expectation of the page.
func (r Result) Failures() []string {
	var out []string
	for _, p := range r.Paras {
		out = append(out, p.Failed...)
	}
	return out
}

// problemOf makes page's problem for set.
func problemOf(set *engine.Set, p Problem) (engine.Problem, error) {
	if p.Prompt != "" {
		return engine.ParseProblem(set.Task, p.Prompt, p.Seed)
	}
	return engine.NewProblem(set.Task, p.Seed), nil
}

// injections reads a page's inject: lines for its problem.
func injections(set *engine.Set, file string, pr engine.Problem, fields []Field) ([]engine.Injection, error) {
	e := &env{set: set, prob: pr.Instance, vocab: set.Task.Vocab()}
	var out []engine.Injection
	for _, f := range fields {
		spec, err := fill(f.Text, func(q query) (string, error) {
			v, err := e.eval(q)
			if err != nil {
				return "", err
			}
			return e.format(v), nil
		})
		if err == nil {
			var in engine.Injection
			in, err = engine.ParseInjection(spec, set.Task.Vocab())
			out = append(out, in)
		}
		if err != nil {
			return nil, &Error{File: file, Line: f.Line, Msg: "inject: " + err.Error()}
		}
	}
	return out, nil
}

// Check checks the lesson against a model set: every page's problem,
// injections, steps and selection, and every expectation's lanes and
// tokens, without running the models. Errors name the line.
func (l *Lesson) Check(set *engine.Set) error {
	for _, pg := range l.Pages {
		bad := func(line int, format string, a ...any) error {
			return &Error{File: l.File, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		pr, err := problemOf(set, pg.Problem)
		if err != nil {
			return bad(pg.Line, "page %q: prompt: %v", pg.Title, err)
		}
		T := len(pr.Instance.Answer())
		inj, err := injections(set, l.File, pr, pg.Inject)
		if err != nil {
			return err
		}
		for i, in := range inj {
			if in.Step > T {
				return bad(pg.Inject[i].Line, "inject: step %d is past the problem's %d steps", in.Step, T)
			}
			if in.Kind == engine.Force {
				if _, ok := set.LaneByInject(in.Lane); !ok {
					return bad(pg.Inject[i].Line, "inject: this model set has no lane %q", in.Lane)
				}
			}
		}
		if pg.Steps > T {
			return bad(pg.Line, "page %q takes %d steps; the problem has %d", pg.Title, pg.Steps, T)
		}
		if pg.Select > T {
			return bad(pg.Line, "page %q selects step %d; the problem has %d", pg.Title, pg.Select, T)
		}
		e := &env{set: set, prob: pr.Instance, vocab: set.Task.Vocab()}
		checkQuery := func(line int, q query) error {
			if q.kind == "lane" {
				if _, ok := laneNamed(set, q.lane); !ok {
					return bad(line, "%s: this model set has no lane %q", q.src, q.lane)
				}
			}
			if q.step.n > T {
				return bad(line, "%s: step %d is past the problem's %d steps", q.src, q.step.n, T)
			}
			if q.kind == "mixture" && q.field != "top" {
				t := max(1, q.step.n)
				if _, err := e.tokenRef(q.field, t); err != nil && q.step.n > 0 {
					return bad(line, "%s: %v", q.src, err)
				}
			}
			return nil
		}
		for _, para := range pg.Paras {
			var qerr error
			_, _ = fill(para.Text, func(q query) (string, error) {
				if qerr == nil {
					qerr = checkQuery(para.Line, q)
				}
				return "", nil
			})
			if qerr != nil {
				return qerr
			}
			for _, x := range para.Expects {
				if err := checkQuery(x.Line, x.q); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func laneNamed(set *engine.Set, name string) (engine.LaneInfo, bool) {
	for _, l := range set.Lanes() {
		if l.Name == name || l.Label == name {
			return l, true
		}
	}
	return engine.LaneInfo{}, false
}

// Build makes page i's session (its problem with its injections, stepped to
// its steps), the step it selects, and its commentary checked against that
// session. The session is new and owned by the caller.
func (l *Lesson) Build(ctx context.Context, set *engine.Set, i int, opts engine.Options) (*engine.Session, int, Result, error) {
	if i < 0 || i >= len(l.Pages) {
		return nil, 0, Result{}, fmt.Errorf("lesson %s has no page %d", l.Name, i+1)
	}
	pg := l.Pages[i]
	pr, err := problemOf(set, pg.Problem)
	if err != nil {
		return nil, 0, Result{}, &Error{File: l.File, Line: pg.Line, Msg: err.Error()}
	}
	inj, err := injections(set, l.File, pr, pg.Inject)
	if err != nil {
		return nil, 0, Result{}, err
	}
	s, err := engine.NewSession(set, pr, inj, opts)
	if err != nil {
		return nil, 0, Result{}, fmt.Errorf("%s:%d: %w", l.File, pg.Line, err)
	}
	steps := pg.Steps
	if steps < 0 || steps > s.Steps() {
		steps = s.Steps()
	}
	if err := s.JumpToContext(ctx, steps); err != nil {
		return nil, 0, Result{}, err
	}
	sel := pg.Select
	if sel == 0 || sel > s.T() {
		sel = s.T()
	}
	return s, sel, l.Comment(set, s, i, sel), nil
}

// Comment is page i's commentary checked against the session s with step
// sel selected.
func (l *Lesson) Comment(set *engine.Set, s *engine.Session, i, sel int) Result {
	pg := l.Pages[i]
	e := sessionEnv(set, s, sel)
	r := Result{Lesson: l.Title, Page: pg.Title, PageN: i + 1}
	for _, para := range pg.Paras {
		pr := ParaResult{Line: para.Line}
		for _, x := range para.Expects {
			if err := e.check(x); err != nil {
				pr.Failed = append(pr.Failed, fmt.Sprintf("line %d: %v", x.Line, err))
			}
		}
		txt, err := fill(para.Text, func(q query) (string, error) {
			v, err := e.eval(q)
			if err != nil {
				return "", fmt.Errorf("{%s}: %v", q.src, err)
			}
			return e.format(v), nil
		})
		if err != nil {
			pr.Failed = append(pr.Failed, fmt.Sprintf("line %d: %v", para.Line, err))
		}
		pr.Text = txt
		r.Paras = append(r.Paras, pr)
	}
	return r
}

func sessionEnv(set *engine.Set, s *engine.Session, sel int) *env {
	return &env{set: set, prob: s.Problem.Instance, vocab: set.Task.Vocab(), s: s, sum: s.Summary(), snaps: s.Snapshots(), sel: sel}
}

// Pick is the first seed in from..to at which every page of the lesson
// builds and every expectation holds: how the built-in lessons' seeds were
// chosen (by measurement, not by hand). It returns an error when none does.
func Pick(ctx context.Context, set *engine.Set, l *Lesson, from, to uint64, opts engine.Options) (uint64, error) {
	for seed := from; seed <= to; seed++ {
		c := l.WithSeed(seed)
		ok := true
		for i := range c.Pages {
			_, _, r, err := c.Build(ctx, set, i, opts)
			if err != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				var le *Error
				if errors.As(err, &le) {
					return 0, err // the lesson itself is wrong
				}
				ok = false
				break
			}
			if !r.OK() {
				ok = false
				break
			}
		}
		if ok {
			return seed, nil
		}
	}
	return 0, fmt.Errorf("lesson %s: no seed in %d..%d where every expectation holds", l.Name, from, to)
}
