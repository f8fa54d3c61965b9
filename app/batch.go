package app

import (
	"context"
	"errors"
	"slices"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/views"
)

// The in-app batch: the injections on screen applied to N fresh problems
// (the seeds after the one on screen), one problem per command, each run
// to the end on a session of its own (a Set may be shared by sessions in
// different goroutines; the session on screen is not touched), the lanes'
// verdicts counted into the batch dialog. Closing the dialog or a newer
// batch cancels it: a result of an older batch is dropped.

// batchRun is the batch going on.
type batchRun struct {
	id     int
	n      int
	seed   uint64
	inj    []engine.Injection
	ctx    context.Context
	cancel context.CancelFunc
}

// batchMsg is one problem of a batch done.
type batchMsg struct {
	id, i   int
	sum     engine.Summary
	skipped bool
	err     error
}

func (m *Model) openBatch() {
	m.dialog = views.NewBatch(m.keys.Batch, slices.Clone(m.inj))
}

// startBatch starts applying the injections to n fresh problems.
func (m *Model) startBatch(n int) tea.Cmd {
	d, ok := m.dialog.(views.Batch)
	if !ok || m.set == nil {
		return nil
	}
	m.stopBatch()
	m.batchID++
	ctx, cancel := context.WithCancel(context.Background())
	b := &batchRun{id: m.batchID, n: n, seed: m.seed, inj: slices.Clone(d.Injections), ctx: ctx, cancel: cancel}
	m.batch = b
	d.Started, d.Running, d.Done, d.Total, d.Skipped, d.Err = true, true, 0, n, 0, ""
	d.Lanes = nil
	for _, l := range m.set.Lanes() {
		d.Lanes = append(d.Lanes, views.BatchLane{Info: l, Verdicts: map[string]int{}})
	}
	m.dialog = d
	return batchProblem(m.set, m.opts.Session, b, 0)
}

// stopBatch cancels the batch going on (its counts stay in the dialog).
func (m *Model) stopBatch() {
	if m.batch == nil {
		return
	}
	m.batch.cancel()
	m.batch = nil
	if d, ok := m.dialog.(views.Batch); ok {
		d.Running = false
		m.dialog = d
	}
}

// batchProblem runs problem i of b: seed b.seed+i+1 with b's injections,
// to the end.
func batchProblem(set *engine.Set, opts engine.Options, b *batchRun, i int) tea.Cmd {
	return func() tea.Msg {
		msg := batchMsg{id: b.id, i: i}
		p := engine.NewProblem(set.Task, b.seed+uint64(i)+1)
		s, err := engine.NewSession(set, p, b.inj, opts)
		if err != nil {
			// The injections do not fit this problem (a step beyond its
			// answer, a token it lacks).
			msg.skipped = true
			return msg
		}
		if err := s.RunToEndContext(b.ctx); err != nil {
			msg.err = err
			return msg
		}
		msg.sum = s.Summary()
		return msg
	}
}

func (m *Model) onBatch(msg batchMsg) tea.Cmd {
	b := m.batch
	if b == nil || msg.id != b.id {
		return nil // stopped or superseded
	}
	d, ok := m.dialog.(views.Batch)
	if !ok {
		m.stopBatch()
		return nil
	}
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			d.Err = msg.err.Error()
		}
		d.Running = false
		m.dialog = d
		m.batch = nil
		b.cancel()
		return nil
	}
	d.Done++
	if msg.skipped {
		d.Skipped++
	} else {
		d.Lanes = slices.Clone(d.Lanes)
		for _, l := range msg.sum.Lanes {
			for j := range d.Lanes {
				if d.Lanes[j].Info.Name == l.Name {
					vs := make(map[string]int, len(d.Lanes[j].Verdicts)+1)
					for k, v := range d.Lanes[j].Verdicts {
						vs[k] = v
					}
					vs[l.Verdict]++
					d.Lanes[j].Verdicts = vs
				}
			}
		}
	}
	if msg.i+1 >= b.n {
		d.Running = false
		m.batch = nil
		b.cancel()
		m.dialog = d
		return nil
	}
	m.dialog = d
	return batchProblem(m.set, m.opts.Session, b, msg.i+1)
}
