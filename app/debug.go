package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/views"
)

// The debugger: breakpoints and run until, forks, the compare view and
// copy as command (issue 12). The batch over fresh problems is batch.go.

// addBreak parses a condition typed into the breakpoint list: a parse
// error (or a lane the model set lacks) goes back into the dialog whole;
// a good one joins the list, on.
func (m *Model) addBreak(text string) tea.Cmd {
	d, ok := m.dialog.(views.Breaks)
	if !ok {
		return nil
	}
	c, err := engine.ParseCondition(text)
	if err == nil && m.set != nil {
		var cs []engine.Condition
		cs, err = engine.CheckConditions(m.set, []engine.Condition{c})
		if err == nil {
			c = cs[0]
		}
	}
	if err != nil {
		m.dialog = d.WithErr(err.Error())
		return nil
	}
	d = d.Added(c)
	m.dialog = d
	m.breaks = slices.Clone(d.List)
	return nil
}

// onBreaks returns the conditions that are on.
func (m *Model) onBreaks() []engine.Condition {
	var out []engine.Condition
	for _, b := range m.breaks {
		if b.On {
			out = append(out, b.Cond)
		}
	}
	return out
}

// runUntil queues a run until one of the breakpoints that are on holds: a
// cancellable op (Stop, or any superseding job, cancels it).
func (m *Model) runUntil() tea.Cmd {
	conds := m.onBreaks()
	if len(conds) == 0 {
		m.setError(fmt.Errorf("no breakpoint is on: %s opens the list", m.keys.Main.Breaks.Help().Key))
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.stopUntil()
	m.untilID++
	m.cancel = cancel
	return m.enqueue(opUntil(ctx, conds, m.untilID))
}

// stopUntil cancels a running run until (its op returns at the next
// step, keeping the steps taken).
func (m *Model) stopUntil() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

func opUntil(ctx context.Context, conds []engine.Condition, id int) op {
	return op{"running until a breakpoint holds", func(s *engine.Session) sessionMsg {
		hit, ok, err := s.RunUntil(ctx, conds)
		msg := sessionMsg{sess: s, sel: s.T(), until: id}
		switch {
		case errors.Is(err, context.Canceled):
			msg.note = fmt.Sprintf("run until stopped at step %d", s.T())
		case err != nil:
			msg.err = err
		case ok:
			msg.note = fmt.Sprintf("breakpoint %s held at step %d: %s", hit.Spec, hit.Step, describeHit(s, hit))
		default:
			msg.note = fmt.Sprintf("ran to the end (step %d): no breakpoint held", s.T())
		}
		msg.frame = frameOf(s)
		return msg
	}}
}

// describeHit says why a breakpoint held, naming tokens by their symbols
// (the engine's Why names them by id): the nearest tokens of a change, the
// lane's tokens of a divergence; the measured value of the others as the
// engine says it.
func describeHit(s *engine.Session, h engine.Hit) string {
	snaps, clean := s.Snapshots(), s.Clean()
	v := s.Set.Task.Vocab()
	t := h.Step
	if t < 1 || t > len(snaps) {
		return h.Why
	}
	nearest := func(sn *engine.Snapshot) string {
		if len(sn.NearestTarget) == 0 {
			return "?"
		}
		return v.Sym(sn.NearestTarget[0].Token)
	}
	switch h.Cond.Kind {
	case engine.CondChange:
		if h.Cond.Lane == "prev" && t > 1 {
			return fmt.Sprintf("nearest token %s, step %d's %s", nearest(snaps[t-1]), t-1, nearest(snaps[t-2]))
		}
		if t <= len(clean) {
			return fmt.Sprintf("nearest token %s, the clean run's %s", nearest(snaps[t-1]), nearest(clean[t-1]))
		}
	case engine.CondDiverge:
		if t <= len(clean) {
			got, ref := engine.LaneTokens(snaps, h.Cond.Lane), engine.LaneTokens(clean[:t], h.Cond.Lane)
			for i := range got {
				if i < len(ref) && got[i] != ref[i] {
					return fmt.Sprintf("%s's token at step %d is %s, the clean run's %s", h.Cond.Lane, i+1, sym(v, got[i]), sym(v, ref[i]))
				}
			}
		}
	}
	return h.Why
}

func sym(v interface{ Sym(int) string }, id int) string {
	if id < 0 {
		return "?"
	}
	return v.Sym(id)
}

// startFork queues the fork in (at the selected step) beside the run.
func (m *Model) startFork(in engine.Injection) tea.Cmd {
	return m.enqueue(opFork(in))
}

func opFork(in engine.Injection) op {
	return op{"forking at step " + fmt.Sprint(in.Step), func(s *engine.Session) sessionMsg {
		fk, err := s.ForkAt(context.Background(), in)
		if err != nil {
			return sessionMsg{sess: s, frame: frameOf(s), sel: min(in.Step, s.T()), err: err}
		}
		msg := sessionMsg{sess: s, frame: frameOf(s), sel: min(in.Step, s.T()), forkSet: true, fork: fk}
		if d := engine.DiffSnapshots(s.Snapshots(), fk.Snapshots()); d.FirstDivergence > 0 {
			msg.note = fmt.Sprintf("forked %s: the fork's lanes show under the run's; it differs from step %d", in, d.FirstDivergence)
		} else {
			msg.note = fmt.Sprintf("forked %s: the fork's lanes show under the run's; so far it matches the run", in)
		}
		return msg
	}}
}

// unfork leaves the fork: the run alone again.
func (m *Model) unfork() {
	if m.fork == nil {
		return
	}
	m.fork = nil
	if m.frame != nil {
		f := *m.frame
		f.Fork = nil
		m.frame = &f
	}
	m.setInfo("left the fork")
}

// copyCommand puts the jrx run command line of the problem and
// injections in the status line and, through OSC 52, in the terminal's
// clipboard (where the terminal supports it).
func (m *Model) copyCommand() tea.Cmd {
	if m.frame == nil || m.frame.Command == "" {
		return nil
	}
	m.setInfo(m.frame.Command)
	return tea.SetClipboard(m.frame.Command)
}

// Breaks is the breakpoint list, for tests.
func (m *Model) Breaks() []views.Breakpoint { return slices.Clone(m.breaks) }

// Forked reports whether a fork is shown beside the run.
func (m *Model) Forked() bool { return m.fork != nil }
