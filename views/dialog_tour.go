package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/tour"
)

// Docked is a dialog that shows as a panel of the main screen rather than
// a centred box, so every panel stays in view (the tour's commentary). Its
// View draws only what it opens on top (an Overlay without a title and a
// body draws nothing); Dock is its panel, laid out after the frame's.
type Docked interface {
	Dialog
	Dock() Panel
}

// TourKeys are the tour's bindings.
type TourKeys struct {
	Next, Back key.Binding
	Lesson     key.Binding // 1-9: the lesson of that number
	Glossary   key.Binding
	Leave      key.Binding // leave the tour, keep the page's state to explore
	Quit       key.Binding
}

// DefaultTourKeys are the tour's default bindings.
func DefaultTourKeys() TourKeys {
	return TourKeys{
		Next:     bind([]string{"right", "l", "space", "enter", "n"}, "→/space", "next"),
		Back:     bind([]string{"left", "h", "backspace", "p"}, "←", "back"),
		Lesson:   bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "lesson"),
		Glossary: bind([]string{"g"}, "g", "glossary"),
		Leave:    bind([]string{"esc"}, "esc", "explore from here"),
		Quit:     bind([]string{"q"}, "q", "quit"),
	}
}

// TourGo asks the app to build page Page of lesson Lesson (0-based) and
// hand its commentary back with Tour.WithResult.
type TourGo struct{ Lesson, Page int }

// TourLeave closes the tour: the screen keeps the page's state to explore
// (Quit: quit jrx).
type TourLeave struct{ Quit bool }

func (TourGo) action()    {}
func (TourLeave) action() {}

// PanelTour is the ID of the tour's commentary panel.
const PanelTour = "tour"

// Tour is the guided tour as a dialog: it has the keys (next, back, a
// lesson by number, the glossary, leave, quit) and shows the page's
// commentary as a panel (Dock) while the page's state fills the screen.
type Tour struct {
	Keys    TourKeys
	Gloss   GlossaryKeys
	Lessons []*tour.Lesson
	// L and P are the lesson and the page shown (0-based).
	L, P int
	// Res is the page's commentary checked against the engine; nil while
	// the page is being built. Err says why it could not be built.
	Res *tour.Result
	Err string
	// Sub is a dialog opened from the tour (the glossary), nil when none.
	Sub Dialog
}

// NewTour opens the tour at page p of lesson l.
func NewTour(keys TourKeys, gloss GlossaryKeys, lessons []*tour.Lesson, l, p int) Tour {
	return Tour{Keys: keys, Gloss: gloss, Lessons: lessons, L: l, P: p}
}

// Go is the action that builds the page shown.
func (d Tour) Go() Action { return TourGo{d.L, d.P} }

// WithResult is the tour with page p of lesson l's commentary (or the
// error that stopped the page), when that page is still the one shown.
func (d Tour) WithResult(l, p int, r *tour.Result, err error) Tour {
	if l != d.L || p != d.P {
		return d
	}
	d.Res, d.Err = r, ""
	if err != nil {
		d.Err = err.Error()
	}
	return d
}

// ID implements Dialog.
func (Tour) ID() string { return "tour" }

func (d Tour) pages(l int) int { return len(d.Lessons[l].Pages) }

// Update implements Dialog.
func (d Tour) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	if d.Sub != nil {
		sub, a := d.Sub.Update(k, c)
		d.Sub = sub
		if _, ok := a.(Close); ok {
			d.Sub = nil
		}
		return d, nil
	}
	l, p := d.L, d.P
	switch {
	case key.Matches(k, d.Keys.Quit):
		return d, TourLeave{Quit: true}
	case key.Matches(k, d.Keys.Leave):
		return d, TourLeave{}
	case key.Matches(k, d.Keys.Glossary):
		d.Sub = NewGlossary(d.Gloss)
		return d, nil
	case key.Matches(k, d.Keys.Next):
		switch {
		case p+1 < d.pages(l):
			p++
		case l+1 < len(d.Lessons):
			l, p = l+1, 0
		}
	case key.Matches(k, d.Keys.Back):
		switch {
		case p > 0:
			p--
		case l > 0:
			l--
			p = d.pages(l) - 1
		}
	case key.Matches(k, d.Keys.Lesson):
		if n := int(k.Code - '1'); n >= 0 && n < len(d.Lessons) {
			l, p = n, 0
		}
	}
	if l == d.L && p == d.P {
		return d, nil
	}
	d.L, d.P, d.Res, d.Err = l, p, nil, ""
	return d, d.Go()
}

// Click implements Dialog (a click goes to the dialog opened on top).
func (d Tour) Click(i int, c DialogCtx) (Dialog, Action) {
	if d.Sub != nil {
		sub, _ := d.Sub.Click(i, c)
		d.Sub = sub
	}
	return d, nil
}

// View implements Dialog: only what the tour opened on top; the
// commentary is its panel (Dock).
func (d Tour) View(c DialogCtx) Overlay {
	if d.Sub != nil {
		return d.Sub.View(c)
	}
	return Overlay{}
}

// ShortHelp implements help.KeyMap.
func (d Tour) ShortHelp() []key.Binding {
	if d.Sub != nil {
		return d.Sub.ShortHelp()
	}
	return []key.Binding{d.Keys.Next, d.Keys.Back, d.Keys.Lesson, d.Keys.Glossary, d.Keys.Leave, d.Keys.Quit}
}

// FullHelp implements help.KeyMap.
func (d Tour) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// tourW is the width the commentary is wrapped at to size its panel (the
// right column's inner width at 120 columns).
const tourW = 68

// Dock implements Docked: the commentary panel, a strip over the right
// column.
func (d Tour) Dock() Panel {
	return Panel{
		ID: PanelTour, Label: "tour", Place: PlaceStrip,
		Size: func(c PanelCtx) Want {
			return Want{H: min(12, len(d.commentary(c.Styles, tourW)))}
		},
		Title: func(PanelCtx) string { return d.title() },
		Render: func(c PanelCtx, w, h int) []string {
			out := d.commentary(c.Styles, w)
			if len(out) > h && h > 0 {
				out = append(out[:h-1:h-1], c.Styles.Dim.Render("… (a larger terminal shows the rest)"))
			}
			return out
		},
	}
}

func (d Tour) title() string {
	if d.L >= len(d.Lessons) {
		return "Tour"
	}
	l := d.Lessons[d.L]
	return fmt.Sprintf("Tour · lesson %d/%d %s · page %d/%d: %s", d.L+1, len(d.Lessons), l.Title, d.P+1, len(l.Pages), l.Pages[d.P].Title)
}

// commentary is the page's text wrapped at w: each paragraph, or a warning
// in its place when a fact it states does not hold.
func (d Tour) commentary(st *Styles, w int) []string {
	switch {
	case d.Err != "":
		var out []string
		for _, l := range wrap("This page could not be built: "+d.Err, w) {
			out = append(out, st.Status.Error.Render(l))
		}
		return out
	case d.Res == nil:
		return []string{st.Dim.Render("building the page…")}
	}
	var out []string
	for _, p := range d.Res.Paras {
		if len(p.Failed) > 0 {
			msg := "⚠ Not shown: this paragraph states a fact the engine does not show now (" + strings.Join(p.Failed, "; ") + ")."
			for _, l := range wrap(msg, w) {
				out = append(out, st.Status.Error.Render(l))
			}
			continue
		}
		for i, l := range wrap(p.Text, max(1, w-2)) {
			out = append(out, pick(i == 0, "• ", "  ")+l)
		}
	}
	if d.L == len(d.Lessons)-1 && d.P == d.pages(d.L)-1 {
		out = append(out, "", st.Dim.Render("The end of the tour: esc explores from here, q quits."))
	}
	return out
}
