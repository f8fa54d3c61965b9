package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/views"
)

// The scheduling of the engine's work (see ops.go for the commands).

// maxQueue bounds the ops waiting for the session (keys pressed faster
// than the engine steps).
const maxQueue = 32

func (m *Model) onSet(msg setMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.inflight = false
	m.busy = ""
	if msg.err != nil {
		m.loadErr = msg.err
		m.fatal = termsafe.String(fmt.Sprintf("Cannot load the model set: %v", msg.err))
		return nil
	}
	m.set = msg.set
	m.keys.Main.ForLanes(m.set.Lanes())
	m.status.Depth = m.set.Depth()
	m.status.Model = m.set.Source
	if m.set.Source != "embedded" {
		m.status.Model = termsafe.Line(filepath.Base(filepath.Clean(m.set.Source)))
	}
	if m.seed == 0 {
		m.seed = m.opts.Seeds()
	}
	if t := m.opts.Tour; t != nil {
		return m.openTour(t.Lessons, t.Lesson, t.Page)
	}
	if m.opts.Prompt != "" {
		p, err := engine.ParseProblem(m.set.Task, m.opts.Prompt, m.seed)
		if err == nil {
			m.startJob("building the problem")
			return buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, true, "")
		}
		m.setError(fmt.Errorf("--prompt: %w; a generated problem is shown instead", err))
	}
	return m.newProblem(m.seed)
}

// startJob begins superseding work: a new generation (so results of
// older work are dropped) and an empty queue. Build the job's command with
// m.gen after calling it.
func (m *Model) startJob(label string) {
	m.stopUntil()
	m.fork = nil
	m.gen++
	m.queue = nil
	m.inflight = true
	m.busy = label
}

func (m *Model) newProblem(seed uint64) tea.Cmd {
	p := engine.NewProblem(m.set.Task, seed)
	m.startJob(fmt.Sprintf("building problem %d", seed))
	return fresh(buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, false, ""), false)
}

// fresh marks the result of cmd (a job) as a new problem replacing the one
// on screen: when it arrives, the one on screen is remembered for N (unless
// back: N itself is going back), and the injections' undo history, which
// belongs to a problem, starts again.
func fresh(cmd tea.Cmd, back bool) tea.Cmd {
	return func() tea.Msg {
		msg := cmd()
		if sm, ok := msg.(sessionMsg); ok {
			sm.fresh, sm.back = true, back
			return sm
		}
		return msg
	}
}

func (m *Model) rebuild(note string) tea.Cmd {
	if m.set == nil || m.problem.Instance == nil {
		return nil
	}
	taken := m.frame.Taken()
	label := "re-running with the injections"
	if len(m.inj) == 0 {
		label = "re-running without injections"
	}
	m.startJob(label)
	return buildSession(m.gen, m.set, m.problem, slices.Clone(m.inj), m.opts.Session, taken, m.sel, m.typed, note)
}

// enqueue adds an op on the current session and starts it if nothing
// else owns the session.
func (m *Model) enqueue(o op) tea.Cmd {
	if m.sess == nil && !m.inflight {
		return nil
	}
	if len(m.queue) >= maxQueue {
		m.setError(errors.New("busy: too many keys queued; wait for the engine"))
		return nil
	}
	m.queue = append(m.queue, o)
	return m.next()
}

// next starts the first queued op when the session is free.
func (m *Model) next() tea.Cmd {
	if m.inflight || len(m.queue) == 0 || m.sess == nil {
		if !m.inflight {
			m.busy = ""
		}
		return nil
	}
	o := m.queue[0]
	m.queue = m.queue[1:]
	m.inflight = true
	m.busy = o.label
	return runOp(m.gen, m.sess, m.fork, o)
}

func (m *Model) onSession(msg sessionMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil // superseded
	}
	m.inflight = false
	if msg.until != 0 && msg.until == m.untilID {
		m.cancel = nil
	}
	if msg.forkSet && msg.err == nil {
		m.fork = msg.fork
	}
	if msg.frame != nil && m.fork == nil {
		msg.frame.Fork = nil // left while the op ran
	}
	if msg.purpose != "" && msg.purpose == m.awaiting {
		// The result of a save or an open whose dialog waits for it: an
		// error goes back into the dialog, success closes it.
		m.awaiting = ""
		if in, ok := m.dialog.(views.Input); ok && in.Purpose == msg.purpose {
			if msg.err != nil {
				m.dialog = in.WithErr(termsafe.String(msg.err.Error()))
				msg.err = nil
			} else {
				m.dialog = nil
			}
		}
	}
	if msg.err != nil {
		m.setError(msg.err)
	} else if msg.warn != nil {
		m.setError(msg.warn)
	} else if msg.note != "" {
		m.setInfo(msg.note)
	} else if msg.replace {
		m.setInfo("")
	}
	if msg.fresh && msg.err == nil && msg.frame != nil && msg.sess != nil {
		if !msg.back {
			m.remember()
		}
		m.injUndo, m.injRedo = nil, nil
	}
	if msg.frame != nil && msg.sess != nil {
		m.sess = msg.sess
		m.frame = msg.frame
		if d, ok := m.dialog.(views.Compare); ok {
			m.dialog = d.Of(m.frame)
		}
		if msg.compare != nil && m.dialog == nil {
			// The session file chosen to compare with: the compare view
			// shows it (its picker closed when the op succeeded).
			m.dialog = views.NewCompare(m.keys.Compare).WithFile(msg.compareFile, *msg.compare).Of(m.frame).Resize(m.w, m.h)
		}
		m.sel = max(0, min(msg.sel, msg.frame.Taken()))
		if msg.replace {
			m.problem = msg.sess.Problem
			m.inj = msg.frame.Injections
			m.seed = msg.seed
			m.typed = msg.typed
		}
	} else if msg.replace && m.frame != nil {
		// The job failed: go back to the injections the frame shows.
		m.inj = m.frame.Injections
	}
	return m.next()
}

// setError and setInfo are where messages enter the status line; a
// message may quote a file (a session file's fields, a path), so it is
// made safe for the terminal here.
func (m *Model) setError(err error) {
	m.status.Message = termsafe.Line(firstLine(err.Error()))
	m.status.IsError = true
}

func (m *Model) setInfo(s string) {
	m.status.Message = termsafe.Line(s)
	m.status.IsError = false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
