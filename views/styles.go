package views

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the explorer uses, in one place. Build it with
// NewStyles (colours chosen for the terminal's background) or PlainStyles
// (no colour at all, for NO_COLOR): every distinction that colour makes is
// also made by a glyph or a text attribute, so the plain variant loses no
// information.
type Styles struct {
	Plain bool // no colours (NO_COLOR)
	// ASCII draws boxes and glyphs with ASCII characters only (LANG=C,
	// TERM=dumb): Render folds every other character to an ASCII one of
	// the same width (see asciiFold).
	ASCII bool
	// Contrast is the presenter's high-contrast palette (a projector
	// washes out greys and thin colours).
	Contrast bool

	Text   lipgloss.Style
	Dim    lipgloss.Style
	Bold   lipgloss.Style
	Accent lipgloss.Style

	Panel struct {
		Border      lipgloss.Style // the frame of an unfocused panel
		Title       lipgloss.Style
		BorderFocus lipgloss.Style
	}

	Status struct {
		App   lipgloss.Style // "jrx"
		Key   lipgloss.Style // "seed", "step", ...
		Value lipgloss.Style
		Sep   lipgloss.Style
		Busy  lipgloss.Style
		Info  lipgloss.Style
		Error lipgloss.Style
	}

	Tree struct {
		Node      lipgloss.Style
		Edge      lipgloss.Style
		Route     lipgloss.Style // a node or edge on the route taken so far
		Target    lipgloss.Style
		Selected  lipgloss.Style // the node the selected step should name
		HypLevels []lipgloss.Style
	}

	Cell struct {
		Normal   lipgloss.Style
		Selected lipgloss.Style
		Pending  lipgloss.Style // a step not taken yet
	}

	Spark lipgloss.Style
	Bar   struct {
		Full  lipgloss.Style
		Empty lipgloss.Style
	}

	Token struct {
		Truth    lipgloss.Style // the true token at a step
		Injected lipgloss.Style // forced by an injection
		Diverged lipgloss.Style // differs from the clean run
		Wrong    lipgloss.Style // differs from the truth
	}

	Verdict struct {
		Correct    lipgloss.Style
		Wrong      lipgloss.Style
		Contained  lipgloss.Style
		Propagated lipgloss.Style
	}

	Overlay struct {
		Box      lipgloss.Style
		Title    lipgloss.Style
		Item     lipgloss.Style
		Selected lipgloss.Style
		Error    lipgloss.Style
	}

	Help help.Styles
}

// palette is one set of colours: light-background value first.
type palette struct {
	text, dim, faint, border, accent, target, good, calm, bad, inj color.Color
}

func newPalette(dark, contrast bool) palette {
	ld := lipgloss.LightDark(dark)
	c := lipgloss.Color
	if contrast {
		// Pure black or white text, no greys lighter than the border of a
		// projected slide, saturated colours.
		return palette{
			text:   ld(c("#000000"), c("#FFFFFF")),
			dim:    ld(c("#303030"), c("#D0D0D0")),
			faint:  ld(c("#606060"), c("#A0A0A0")),
			border: ld(c("#000000"), c("#FFFFFF")),
			accent: ld(c("#0000D7"), c("#5FD7FF")),
			target: ld(c("#AF005F"), c("#FF5FFF")),
			good:   ld(c("#005F00"), c("#5FFF5F")),
			calm:   ld(c("#005F87"), c("#00FFFF")),
			bad:    ld(c("#AF0000"), c("#FF5F5F")),
			inj:    ld(c("#875F00"), c("#FFFF00")),
		}
	}
	return palette{
		text:   ld(c("#1C1C1C"), c("#E4E4E4")),
		dim:    ld(c("#6C6C6C"), c("#8A8A8A")),
		faint:  ld(c("#B8B8B8"), c("#4E4E4E")),
		border: ld(c("#9E9E9E"), c("#5F5F5F")),
		accent: ld(c("#005FAF"), c("#5FAFFF")),
		target: ld(c("#AF0087"), c("#FF87D7")),
		good:   ld(c("#007A00"), c("#87D787")),
		calm:   ld(c("#00708A"), c("#5FD7D7")),
		bad:    ld(c("#C00000"), c("#FF8787")),
		inj:    ld(c("#A05A00"), c("#FFD75F")),
	}
}

// NewStyles returns the coloured styles for a dark or a light background.
func NewStyles(dark bool) *Styles { return newStyles(dark, false) }

// ContrastStyles returns the presenter's high-contrast styles for a dark
// or a light background.
func ContrastStyles(dark bool) *Styles { return newStyles(dark, true) }

func newStyles(dark, contrast bool) *Styles {
	p := newPalette(dark, contrast)
	n := lipgloss.NewStyle
	s := &Styles{Contrast: contrast}
	s.Text = n().Foreground(p.text)
	s.Dim = n().Foreground(p.dim)
	s.Bold = n().Bold(true)
	s.Accent = n().Foreground(p.accent).Bold(true)

	s.Panel.Border = n().Foreground(p.border)
	s.Panel.BorderFocus = n().Foreground(p.accent)
	s.Panel.Title = n().Foreground(p.accent).Bold(true)

	s.Status.App = n().Foreground(p.accent).Bold(true)
	s.Status.Key = n().Foreground(p.dim)
	s.Status.Value = n().Foreground(p.text)
	s.Status.Sep = n().Foreground(p.faint)
	s.Status.Busy = n().Foreground(p.inj)
	s.Status.Info = n().Foreground(p.good)
	s.Status.Error = n().Foreground(p.bad).Bold(true)

	s.Tree.Node = n().Foreground(p.text)
	s.Tree.Edge = n().Foreground(p.border)
	s.Tree.Route = n().Foreground(p.accent).Bold(true)
	s.Tree.Target = n().Foreground(p.target).Bold(true).Underline(true)
	s.Tree.Selected = n().Reverse(true).Bold(true)
	for _, col := range lipgloss.Blend1D(5, p.dim, p.inj) {
		s.Tree.HypLevels = append(s.Tree.HypLevels, n().Foreground(col).Bold(true))
	}

	s.Cell.Normal = n().Foreground(p.text)
	s.Cell.Selected = n().Reverse(true).Bold(true)
	s.Cell.Pending = n().Foreground(p.faint)

	s.Spark = n().Foreground(p.calm)
	s.Bar.Full = n().Foreground(p.accent)
	s.Bar.Empty = n().Foreground(p.faint)

	s.Token.Truth = n().Foreground(p.good)
	s.Token.Injected = n().Foreground(p.inj).Bold(true)
	s.Token.Diverged = n().Foreground(p.bad).Bold(true)
	s.Token.Wrong = n().Foreground(p.bad)

	s.Verdict.Correct = n().Foreground(p.good).Bold(true)
	s.Verdict.Wrong = n().Foreground(p.bad).Bold(true)
	s.Verdict.Contained = n().Foreground(p.calm).Bold(true)
	s.Verdict.Propagated = n().Foreground(p.bad).Bold(true)

	s.Overlay.Box = n().Foreground(p.accent)
	s.Overlay.Title = n().Foreground(p.accent).Bold(true)
	s.Overlay.Item = n().Foreground(p.text)
	s.Overlay.Selected = n().Reverse(true).Bold(true)
	s.Overlay.Error = n().Foreground(p.bad)

	// The help bar in the palette's colours: bubbles' default greys (246
	// and 249 on a light background) are unreadable on white.
	s.Help = help.Styles{
		ShortKey: n().Foreground(p.text).Bold(true), ShortDesc: n().Foreground(p.dim),
		ShortSeparator: n().Foreground(p.border), Ellipsis: n().Foreground(p.border),
		FullKey: n().Foreground(p.text).Bold(true), FullDesc: n().Foreground(p.dim),
		FullSeparator: n().Foreground(p.border),
	}
	if contrast {
		s.Dim = s.Dim.Bold(true)
		s.Help.ShortDesc = n().Foreground(p.text)
		s.Help.FullDesc = n().Foreground(p.text)
	}
	return s
}

// WithASCII is a copy of s that draws with ASCII characters only.
func (s *Styles) WithASCII() *Styles {
	c := *s
	c.ASCII = true
	return &c
}

// PlainStyles returns the styles without any colour (NO_COLOR): only bold,
// underline and reverse video remain, and glyphs carry the meaning.
func PlainStyles() *Styles {
	n := lipgloss.NewStyle
	s := &Styles{Plain: true}
	s.Text, s.Dim, s.Bold, s.Accent = n(), n(), n().Bold(true), n().Bold(true)
	s.Panel.Border, s.Panel.BorderFocus, s.Panel.Title = n(), n(), n().Bold(true)
	s.Status.App = n().Bold(true)
	s.Status.Key, s.Status.Value, s.Status.Sep, s.Status.Busy, s.Status.Info = n(), n(), n(), n(), n()
	s.Status.Error = n().Bold(true)
	s.Tree.Node, s.Tree.Edge = n(), n()
	s.Tree.Route = n().Bold(true)
	s.Tree.Target = n().Underline(true)
	s.Tree.Selected = n().Reverse(true)
	s.Tree.HypLevels = []lipgloss.Style{n(), n(), n().Bold(true), n().Bold(true), n().Bold(true)}
	s.Cell.Normal, s.Cell.Pending = n(), n()
	s.Cell.Selected = n().Reverse(true)
	s.Spark = n()
	s.Bar.Full, s.Bar.Empty = n(), n()
	s.Token.Truth, s.Token.Wrong = n(), n()
	s.Token.Injected = n().Bold(true)
	s.Token.Diverged = n().Underline(true)
	s.Verdict.Correct, s.Verdict.Contained = n().Bold(true), n().Bold(true)
	s.Verdict.Wrong, s.Verdict.Propagated = n().Bold(true), n().Bold(true)
	s.Overlay.Box, s.Overlay.Title, s.Overlay.Item = n(), n().Bold(true), n()
	s.Overlay.Selected = n().Reverse(true)
	s.Overlay.Error = n().Bold(true)
	s.Help = help.Styles{
		Ellipsis: n(), ShortKey: n().Bold(true), ShortDesc: n(), ShortSeparator: n(),
		FullKey: n().Bold(true), FullDesc: n(), FullSeparator: n(),
	}
	return s
}

// hyp is the style of a hypothesis of weight w in [0, 1].
func (s *Styles) hyp(w float64) lipgloss.Style {
	n := len(s.Tree.HypLevels)
	i := int(w * float64(n))
	return s.Tree.HypLevels[max(0, min(n-1, i))]
}

// verdict returns the style and glyph of a lane verdict.
func (s *Styles) verdict(v string) (lipgloss.Style, string) {
	switch v {
	case "correct":
		return s.Verdict.Correct, "✓"
	case "contained":
		return s.Verdict.Contained, "◆"
	case "recovered":
		return s.Verdict.Contained, "↺"
	case "propagated":
		return s.Verdict.Propagated, "✗"
	case "wrong":
		return s.Verdict.Wrong, "✗"
	}
	return s.Dim, "·" // pending
}
