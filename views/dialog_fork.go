package views

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// ForkDialog asks which hypothesis of step Step's mixture to fork onto: a
// digit K is the K-th component (2: the runner-up), "-" the latent with
// its top component projected out (engine.ForkInjection; the math is in
// docs/MODEL.md); a token's letter forks onto that token's target-table
// row (fork@T=X). Its Inject action carries the fork; the app runs it
// beside the run.
type ForkDialog struct {
	Keys ForkKeys
	Step int
	// Err says why the last key did not fork (a component the mixture
	// does not have).
	Err string
}

// NewFork opens the fork dialog at step t.
func NewFork(keys ForkKeys, t int) ForkDialog { return ForkDialog{Keys: keys, Step: t} }

// ID implements Dialog.
func (ForkDialog) ID() string { return "fork" }

// Update implements Dialog.
func (d ForkDialog) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Top):
		return d, Inject{engine.ForkInjection(d.Step, engine.ForkDropTop)}
	case key.Matches(k, d.Keys.Hyp):
		if len(k.Text) == 1 && k.Text[0] >= '2' && k.Text[0] <= '9' {
			return d.fork(int(k.Text[0]-'0'), c)
		}
	case key.Matches(k, d.Keys.Type):
		if tok, ok := tokenOf(k, c.Frame); ok {
			return d, Inject{engine.ForkToken(d.Step, tok, c.Frame.Vocab)}
		}
		d.Err = fmt.Sprintf("%q is not a token of this task", k.Text)
	}
	return d, nil
}

// Click implements Dialog: a click on the i-th component (from the
// second) forks onto it.
func (d ForkDialog) Click(i int, c DialogCtx) (Dialog, Action) {
	if i < 0 {
		return d, nil
	}
	return d.fork(i+2, c)
}

// fork forks onto component k when the step's mixture has it.
func (d ForkDialog) fork(k int, c DialogCtx) (Dialog, Action) {
	sn := c.Frame.Snap(d.Step)
	if sn == nil {
		d.Err = fmt.Sprintf("step %d is not taken", d.Step)
		return d, nil
	}
	if n := len(sn.Mixture.Atoms); k > n {
		d.Err = fmt.Sprintf("step %d's mixture has %d components: no component %d", d.Step, n, k)
		return d, nil
	}
	return d, Inject{engine.ForkInjection(d.Step, k)}
}

// View implements Dialog: the step's mixture, each component from the
// second with its digit.
func (d ForkDialog) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 64)
	iw := max(10, bw-4)
	ov := Overlay{W: bw, Title: fmt.Sprintf("Fork at step %d on a hypothesis", d.Step)}
	sn := c.Frame.Snap(d.Step)
	if sn == nil {
		ov.Body = append(ov.Body, st.Dim.Render("the step is not taken"))
	} else {
		ov.Body = append(ov.Body, fmt.Sprintf("the mixture (explained %.2f):", sn.Mixture.Explained))
		for i, a := range sn.Mixture.Atoms {
			line := fmt.Sprintf("  %d  %-6s w %.2f", i+1, c.Frame.Sym(a.Token), a.Weight)
			if i == 0 {
				ov.Body = append(ov.Body, st.Dim.Render(line+"  (the top: the run follows it)"))
				continue
			}
			ov.Body = append(ov.Body, line)
			if i+1 <= 9 {
				ov.Items = append(ov.Items, OverlayItem{Line: len(ov.Body) - 1, W: -1})
			}
		}
		if len(sn.Mixture.Atoms) < 2 {
			ov.Body = append(ov.Body, st.Dim.Render("  one component only: K ≥ 2 asks for more atoms of the problem's hypotheses"))
		}
	}
	if d.Err != "" {
		ov.Body = append(ov.Body, st.Overlay.Error.Render(fit(d.Err, iw)))
	}
	ov.Body = append(ov.Body, "")
	for _, l := range wrap("The fork replaces this step's latent by the hypothesis (its target-table row, normalised) and continues the chain from there; its lanes show beside the run's.", iw) {
		ov.Body = append(ov.Body, st.Dim.Render(l))
	}
	ov.Body = append(ov.Body, hintLines(st, iw, d.ShortHelp()...)...)
	return ov
}

// ShortHelp implements help.KeyMap.
func (d ForkDialog) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Hyp, d.Keys.Type, d.Keys.Top, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d ForkDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
