package views

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Surgery is the latent-surgery dialog: the latent at Step becomes
// L2(Weight·Ē[A] + (1−Weight)·Ē[B]).
//
// Focus moves only with tab. On A or B a letter sets that field's token
// and ←/→ cycle through Cands; on the weight, digits and "." type it (a
// letter is ignored, with a note) and ←/→ step it by 0.1. Weights have at
// most three decimals (RoundWeight), so neither the dialog, the status
// line nor a saved file shows 0.30000000000000004.
type Surgery struct {
	Keys   SurgeryKeys
	Step   int
	A, B   int
	Weight float64
	Field  int   // 0 = A, 1 = B, 2 = weight
	Cands  []int // the tokens A and B cycle through
	// Typed is the weight as typed so far ("" when not typing).
	Typed string
	// Note says why the last key did nothing ("" for none).
	Note string
}

// Surgery's fields.
const (
	FieldA = iota
	FieldB
	FieldWeight
)

// RoundWeight rounds a mixture weight to three decimals.
func RoundWeight(w float64) float64 { return math.Round(w*1000) / 1000 }

// FormatWeight writes a weight with at most three decimals ("0.3", "0.35").
func FormatWeight(w float64) string { return strconv.FormatFloat(RoundWeight(w), 'f', -1, 64) }

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
	d.Note = ""
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Field):
		d.Typed = ""
		if key.Matches(k, d.Keys.FieldBack) {
			d.Field = (d.Field + 2) % 3
		} else {
			d.Field = (d.Field + 1) % 3
		}
	case key.Matches(k, d.Keys.Confirm) && c.Frame != nil && c.Frame.Vocab != nil:
		v := c.Frame.Vocab
		w := RoundWeight(d.Weight)
		return d, Inject{engine.Injection{Kind: engine.Surgery, Step: d.Step,
			Mix: []engine.MixTerm{{Weight: w, Token: d.A, Sym: v.Sym(d.A)}, {Weight: RoundWeight(1 - w), Token: d.B, Sym: v.Sym(d.B)}}}}
	case d.Field == FieldWeight && key.Matches(k, d.Keys.Digit):
		d = d.typeWeight(k.Text)
	case d.Field == FieldWeight && key.Matches(k, d.Keys.Erase):
		if d.Typed != "" {
			d.Typed = d.Typed[:len(d.Typed)-1]
			if w, err := strconv.ParseFloat(d.Typed, 64); err == nil {
				d.Weight = w
			}
		}
	case key.Matches(k, d.Keys.Change):
		by := 1
		if key.Matches(k, d.Keys.Less) {
			by = -1
		}
		switch d.Field {
		case FieldA:
			d.A = cycle(d.A, by)
		case FieldB:
			d.B = cycle(d.B, by)
		default:
			d.Typed = ""
			d.Weight = RoundWeight(max(0, min(1, d.Weight+0.1*float64(by))))
		}
	case key.Matches(k, d.Keys.Type):
		if d.Field == FieldWeight {
			d.Note = "the weight takes digits (0 to 1, e.g. 0.25); tab goes to A"
			break
		}
		if tok, ok := tokenOf(k, c.Frame); ok {
			if d.Field == FieldA {
				d.A = tok
			} else {
				d.B = tok
			}
		}
	}
	return d, nil
}

// typeWeight adds one typed character to the weight: a fresh start replaces
// the weight; more than three decimals or a weight above 1 are refused
// with a note.
func (d Surgery) typeWeight(ch string) Surgery {
	t := d.Typed + ch
	if t == "." {
		t = "0."
	}
	if i := strings.IndexByte(t, '.'); i >= 0 && (strings.Count(t, ".") > 1 || len(t)-i-1 > 3) {
		d.Note = "a weight has at most three decimals"
		return d
	}
	w, err := strconv.ParseFloat(strings.TrimSuffix(t, "."), 64)
	if err != nil || w > 1 {
		d.Note = "the weight is between 0 and 1"
		return d
	}
	d.Typed, d.Weight = t, w
	return d
}

// Click implements Dialog (nothing to click).
func (d Surgery) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// weightText is the weight as the dialog shows it.
func (d Surgery) weightText() string {
	if d.Typed != "" {
		return d.Typed
	}
	return FormatWeight(d.Weight)
}

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
	w := RoundWeight(d.Weight)
	body = append(body, field(FieldA, "A ", f.sym(d.A))+"   "+field(FieldB, "B ", f.sym(d.B))+"   "+field(FieldWeight, "w ", d.weightText()))
	body = append(body, fmt.Sprintf("latent@%d = %s·%s + %s·%s", d.Step, FormatWeight(w), f.sym(d.A), FormatWeight(1-w), f.sym(d.B)))
	if d.Note != "" {
		body = append(body, "")
		for _, l := range wrap(d.Note, bw-4) {
			body = append(body, st.Overlay.Error.Render(l))
		}
	}
	body = append(body, "")
	body = append(body, hintLines(st, bw-4, d.ShortHelp()...)...)
	return Overlay{W: bw, Title: fmt.Sprintf("Latent surgery at step %d", d.Step), Body: body}
}

// ShortHelp implements help.KeyMap: the bindings of the focused field, with
// what they do there.
func (d Surgery) ShortHelp() []key.Binding {
	if d.Field == FieldWeight {
		change := d.Keys.Change
		change.SetHelp(change.Help().Key, "weight ±0.1")
		return []key.Binding{d.Keys.Digit, change, d.Keys.Field, d.Keys.Confirm, d.Keys.Cancel}
	}
	name := "A"
	if d.Field == FieldB {
		name = "B"
	}
	typ, change := d.Keys.Type, d.Keys.Change
	typ.SetHelp(typ.Help().Key, "set "+name)
	change.SetHelp(change.Help().Key, "cycle "+name)
	return []key.Binding{typ, change, d.Keys.Field, d.Keys.Confirm, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d Surgery) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
