package app

import (
	"errors"
	"fmt"
	"math"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/probes"
	"jrx/views"
)

// Work on the engine runs in commands, never in Update. Two kinds:
//
//   - A superseding job (load the model set, a new problem, re-running after
//     an injection, opening a session file) builds a new session. It bumps
//     the generation, so whatever is still running for an older generation
//     is dropped when its result arrives, and it empties the queue.
//   - An op on the current session (step, undo, run to the end, reset, jump,
//     save) must not run while another command uses that session (a
//     Session is not safe for concurrent use), so ops wait in a queue and
//     run one at a time, in order.

// setMsg is the result of loading the model set.
type setMsg struct {
	gen int
	set *engine.Set
	err error
}

// sessionMsg is the result of a job or an op: the session and a frame
// copied out of it in the command's goroutine.
type sessionMsg struct {
	gen     int
	sess    *engine.Session
	frame   *views.Frame
	sel     int    // the step to select
	note    string // what to say in the status line
	err     error  // the job failed: keep what was there
	warn    error  // it worked, with a warning
	replace bool   // a new session (from a job) rather than the same one changed
	seed    uint64
	typed   bool
	// until is the id of the run until whose result this is (0: none).
	until int
	// forkSet: fork is the fork to show from now on (a new fork).
	forkSet bool
	fork    *engine.Session
	// compare is the diff of the session file compareFile against the run
	// (the compare view shows it).
	compare     *engine.Diff
	compareFile string
	// purpose names the input whose text the work acted on ("save",
	// "open"), "" for none: the result goes back into that dialog.
	purpose string
	// fresh: a new problem replaces the one on screen (see fresh); back:
	// it is the previous one, reopened.
	fresh, back bool
}

// op is work on the current session.
type op struct {
	label string
	run   func(s *engine.Session) sessionMsg
}

// frameOf copies a session's state into a frame. It must run where the
// session is owned (in the command that just used it).
func frameOf(s *engine.Session) *views.Frame {
	f := &views.Frame{
		Task:       s.Set.Task.Name(),
		Problem:    s.Problem.Instance,
		Vocab:      s.Set.Task.Vocab(),
		LaneInfo:   s.Set.Lanes(),
		Steps:      s.Steps(),
		Snaps:      s.Snapshots(),
		Summary:    s.Summary(),
		Injections: s.Injections(),
		Answer:     s.Answer(),
		Command:    s.Command(),
		PCA:        pcaOf(s),
	}
	if err := s.Set.Task.InDistribution(s.Problem.Instance); err != nil {
		f.OutOfDistribution = err.Error()
	}
	if len(f.Injections) > 0 {
		f.Clean = s.Clean()
	}
	return f
}

// pcaOf projects the steps taken's latents and the problem's hypotheses'
// normalised target-table rows on the top two principal components of
// those points together (probes.PCA), for the PCA panel.
func pcaOf(s *engine.Session) *views.PCAView {
	r := s.Set.Reasoner
	d := r.Cfg.D
	snaps := s.Snapshots()
	hyps := s.Problem.Instance.Hypotheses()
	var rows [][]float32
	for _, sn := range snaps {
		rows = append(rows, sn.Latent)
	}
	for _, tok := range hyps {
		row := r.Target[tok*d : (tok+1)*d]
		var nn float64
		for _, x := range row {
			nn += float64(x) * float64(x)
		}
		v := make([]float32, d)
		if nn > 0 {
			for j, x := range row {
				v[j] = float32(float64(x) / math.Sqrt(nn))
			}
		}
		rows = append(rows, v)
	}
	pv := &views.PCAView{}
	if len(snaps) < 2 {
		return pv
	}
	_, explained, proj := probes.PCA(rows, 2)
	for i := 0; i < len(explained) && i < 2; i++ {
		pv.Explained[i] = explained[i]
	}
	at := func(j int) (float64, float64) {
		pr := proj[j]
		if len(pr) < 2 {
			return pr[0], 0
		}
		return pr[0], pr[1]
	}
	for i := range snaps {
		x, y := at(i)
		pv.Steps = append(pv.Steps, [2]float64{x, y})
	}
	for k, tok := range hyps {
		x, y := at(len(snaps) + k)
		pv.Vocab = append(pv.Vocab, views.PCAToken{Token: tok, X: x, Y: y})
	}
	return pv
}

func loadSet(gen int, load func(string) (*engine.Set, error), dir string) tea.Cmd {
	return func() tea.Msg {
		set, err := load(dir)
		return setMsg{gen: gen, set: set, err: err}
	}
}

// buildSession is the job behind a new problem, a typed problem and
// re-running after an injection: a new session on p with inj, advanced to
// step taken.
func buildSession(gen int, set *engine.Set, p engine.Problem, inj []engine.Injection, opts engine.Options, taken, sel int, typed bool, note string) tea.Cmd {
	return func() tea.Msg {
		s, err := engine.NewSession(set, p, inj, opts)
		if err != nil {
			return sessionMsg{gen: gen, err: err}
		}
		if taken > 0 {
			if err := s.JumpTo(min(taken, s.Steps())); err != nil {
				return sessionMsg{gen: gen, err: err}
			}
		}
		return sessionMsg{gen: gen, sess: s, frame: frameOf(s), sel: min(sel, s.T()), note: note, replace: true, seed: p.Seed, typed: typed}
	}
}

// openRecord is the job behind opening a session file: read it and replay
// it on the loaded set, checking every latent.
func openRecord(gen int, set *engine.Set, path string) tea.Cmd {
	return func() tea.Msg {
		rec, err := engine.ReadRecord(path)
		if err != nil {
			return sessionMsg{gen: gen, err: err, purpose: "open"}
		}
		s, err := engine.Replay(set, rec)
		if s == nil {
			if err == nil {
				err = errors.New("session file: nothing to replay")
			}
			return sessionMsg{gen: gen, err: err, purpose: "open"}
		}
		// A file of a generated problem holds the seed that generates it:
		// then it is that seed's problem, not a typed one.
		typed := rec.Seed == 0 || engine.NewProblem(set.Task, rec.Seed).Text != s.Problem.Text
		msg := sessionMsg{gen: gen, sess: s, frame: frameOf(s), sel: s.T(), replace: true, seed: rec.Seed, typed: typed, purpose: "open",
			note: fmt.Sprintf("opened %s: %d steps replayed bit-identically", path, s.T())}
		if err != nil {
			msg.warn = err
			msg.note = ""
		}
		return msg
	}
}

// runOp runs one op on s for generation gen. fork, when not nil, is the
// fork shown beside s: it follows s to the same step (never before its
// fork's step), and its frame goes with s's.
func runOp(gen int, s, fork *engine.Session, o op) tea.Cmd {
	return func() tea.Msg {
		m := o.run(s)
		m.gen = gen
		if m.sess == nil && m.err == nil {
			m.sess = s
		}
		if m.forkSet {
			fork = m.fork
		}
		if fork != nil && m.frame != nil && m.sess == s {
			if err := fork.JumpTo(max(s.T(), forkStep(fork))); err != nil && m.err == nil {
				m.err = fmt.Errorf("the fork: %w", err)
			}
			m.frame.Fork = frameOf(fork)
		}
		return m
	}
}

// forkStep is the step of s's last fork injection (0 when none).
func forkStep(s *engine.Session) int {
	inj := s.Injections()
	for i := len(inj) - 1; i >= 0; i-- {
		if inj[i].Kind == engine.Fork {
			return inj[i].Step
		}
	}
	return 0
}

// The ops.

func opStep() op {
	return op{"stepping", func(s *engine.Session) sessionMsg {
		_, err := s.Step()
		if errors.Is(err, engine.ErrDone) {
			err = nil
		}
		return sessionMsg{sess: s, frame: frameOf(s), sel: s.T(), err: err}
	}}
}

func opUndo(sel int) op {
	return op{"stepping back", func(s *engine.Session) sessionMsg {
		var err error
		if s.T() > 0 { // an op queued before it (reset) may have gone back already
			err = s.Back()
		}
		return sessionMsg{sess: s, frame: frameOf(s), sel: min(sel, s.T()), err: err}
	}}
}

func opEnd() op {
	return op{"running to the end", func(s *engine.Session) sessionMsg {
		err := s.RunToEnd()
		return sessionMsg{sess: s, frame: frameOf(s), sel: s.T(), err: err}
	}}
}

func opReset() op {
	return op{"resetting", func(s *engine.Session) sessionMsg {
		s.Reset()
		return sessionMsg{sess: s, frame: frameOf(s), sel: 0}
	}}
}

func opJump(t int) op {
	return op{fmt.Sprintf("running to step %d", t), func(s *engine.Session) sessionMsg {
		err := s.JumpTo(min(t, s.Steps()))
		return sessionMsg{sess: s, frame: frameOf(s), sel: s.T(), err: err}
	}}
}

// opCompareFile reads the session file path and diffs it against the
// session (engine.DiffRecords: the file first).
func opCompareFile(path string, sel int) op {
	return op{"comparing with " + path, func(s *engine.Session) sessionMsg {
		msg := sessionMsg{sess: s, frame: frameOf(s), sel: min(sel, s.T()), purpose: "compare"}
		rec, err := engine.ReadRecord(path)
		if err != nil {
			msg.err = err
			return msg
		}
		d := engine.DiffRecords(rec, s.Record())
		msg.compare, msg.compareFile = &d, path
		return msg
	}}
}

func opSave(path string, sel int) op {
	return op{"saving", func(s *engine.Session) sessionMsg {
		err := engine.WriteRecord(path, s.Record())
		note := ""
		if err == nil {
			note = fmt.Sprintf("saved %d steps to %s", s.T(), path)
		}
		return sessionMsg{sess: s, frame: frameOf(s), sel: min(sel, s.T()), err: err, note: note, purpose: "save"}
	}}
}
