package views

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Surgery is the latent-surgery dialog: the latent at Step becomes
// L2(Weight·Ē[A] + (1−Weight)·Ē[B]).
type Surgery struct {
	Keys   SurgeryKeys
	Step   int
	A, B   int
	Weight float64
	Field  int   // 0 = A, 1 = B, 2 = weight
	Cands  []int // the tokens A and B cycle through
}

// ID implements Dialog.
func (Surgery) ID() string { return "surgery" }

// Update implements Dialog.
func (d Surgery) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	cycle := func(tok, by int) int {
		if len(d.Cands) == 0 {
			return tok
		}
		i := slices.Index(d.Cands, tok)
		return d.Cands[(max(0, i)+by+len(d.Cands))%len(d.Cands)]
	}
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Field):
		if key.Matches(k, d.Keys.FieldBack) {
			d.Field = (d.Field + 2) % 3
		} else {
			d.Field = (d.Field + 1) % 3
		}
	case key.Matches(k, d.Keys.Change):
		by := 1
		if key.Matches(k, d.Keys.Less) {
			by = -1
		}
		switch d.Field {
		case 0:
			d.A = cycle(d.A, by)
		case 1:
			d.B = cycle(d.B, by)
		default:
			d.Weight = float64(max(0, min(10, int(d.Weight*10+0.5)+by))) / 10
		}
	case key.Matches(k, d.Keys.Confirm) && c.Frame != nil && c.Frame.Vocab != nil:
		v := c.Frame.Vocab
		return d, Inject{engine.Injection{Kind: engine.Surgery, Step: d.Step,
			Mix: []engine.MixTerm{{Weight: d.Weight, Token: d.A, Sym: v.Sym(d.A)}, {Weight: 1 - d.Weight, Token: d.B, Sym: v.Sym(d.B)}}}}
	case key.Matches(k, d.Keys.Type) && d.Field < 2:
		if tok, ok := tokenOf(k, c.Frame); ok {
			if d.Field == 0 {
				d.A = tok
			} else {
				d.B = tok
			}
			d.Field++
		}
	}
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d Surgery) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Surgery) View(c DialogCtx) Overlay {
	st, f := c.Styles, c.Frame
	bw := dialogW(c.Width, 64)
	body := wrap("Replace the latent with L2(w·Ē[A] + (1−w)·Ē[B]); the later steps are recomputed from it.", bw-4)
	body = append(body, "")
	field := func(i int, label, v string) string {
		if d.Field == i {
			v = st.Overlay.Selected.Render("[" + v + "]")
		} else {
			v = " " + v + " "
		}
		return label + v
	}
	body = append(body, field(0, "A ", f.sym(d.A))+"   "+field(1, "B ", f.sym(d.B))+"   "+field(2, "w ", fmt.Sprintf("%.2f", d.Weight)))
	body = append(body, fmt.Sprintf("latent@%d = %.2f·%s + %.2f·%s", d.Step, d.Weight, f.sym(d.A), 1-d.Weight, f.sym(d.B)))
	body = append(body, "", st.Dim.Render("tab field · letter sets A/B · ←/→ change · enter applies · esc"))
	return Overlay{W: bw, Title: fmt.Sprintf("Latent surgery at step %d", d.Step), Body: body}
}

// ShortHelp implements help.KeyMap.
func (d Surgery) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Type, d.Keys.Field, d.Keys.Change, d.Keys.Confirm, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d Surgery) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
