package app

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/tour"
	"jrx/views"
)

// The guided tour: a views.Tour dialog has the keys and shows the page's
// commentary as a panel; each page is a superseding job that builds the
// page's session (tour.Lesson.Build) and checks the commentary against it.

// TourStart opens the explorer on the tour (jrx tour).
type TourStart struct {
	Lessons []*tour.Lesson
	// Lesson and Page are where it starts (0-based).
	Lesson, Page int
}

// tourMsg is a built tour page: the session and frame (as after any job),
// and the page's commentary for the Tour dialog.
type tourMsg struct {
	sessionMsg
	lesson, page int
	res          *tour.Result
}

// openTour opens the tour on lessons at page p of lesson l and builds it.
func (m *Model) openTour(lessons []*tour.Lesson, l, p int) tea.Cmd {
	if m.set == nil || len(lessons) == 0 {
		return nil
	}
	l = max(0, min(l, len(lessons)-1))
	p = max(0, min(p, len(lessons[l].Pages)-1))
	m.dialog = views.NewTour(m.keys.Tour, m.keys.Glossary, lessons, l, p)
	return m.tourGo(l, p)
}

// openBuiltinTour opens the tour on the built-in lessons.
func (m *Model) openBuiltinTour() tea.Cmd {
	ls, err := tour.Builtin()
	if err != nil {
		m.setError(err)
		return nil
	}
	return m.openTour(ls, 0, 0)
}

// tourAct does what the tour asks.
func (m *Model) tourAct(a views.Action) tea.Cmd {
	switch a := a.(type) {
	case views.TourGo:
		return m.tourGo(a.Lesson, a.Page)
	case views.TourLeave:
		m.dialog = nil
		if a.Quit {
			return tea.Quit
		}
		m.setInfo("left the tour: explore from here (T reopens it)")
	}
	return nil
}

// tourGo builds page p of lesson l of the open tour.
func (m *Model) tourGo(l, p int) tea.Cmd {
	d, ok := m.dialog.(views.Tour)
	if !ok || m.set == nil {
		return nil
	}
	m.startJob(fmt.Sprintf("tour: lesson %d, page %d", l+1, p+1))
	return buildTourPage(m.gen, m.set, d.Lessons[l], l, p, m.opts.Session)
}

func buildTourPage(gen int, set *engine.Set, lesson *tour.Lesson, l, p int, opts engine.Options) tea.Cmd {
	return func() tea.Msg {
		msg := tourMsg{sessionMsg: sessionMsg{gen: gen}, lesson: l, page: p}
		s, sel, res, err := lesson.Build(context.Background(), set, p, opts)
		if err != nil {
			msg.err = err
			return msg
		}
		res.LessonN = l + 1
		msg.res = &res
		msg.sessionMsg = sessionMsg{gen: gen, sess: s, frame: frameOf(s), sel: sel, replace: true,
			seed: s.Problem.Seed, typed: lesson.Pages[p].Problem.Prompt != ""}
		return msg
	}
}

// onTourPage takes a built page: the session like any job's, the
// commentary to the tour (if that page is still the one shown).
func (m *Model) onTourPage(msg tourMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	cmd := m.onSession(msg.sessionMsg)
	if d, ok := m.dialog.(views.Tour); ok {
		m.dialog = d.WithResult(msg.lesson, msg.page, msg.res, msg.err)
	}
	return cmd
}
