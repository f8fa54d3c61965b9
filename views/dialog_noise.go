package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Noise is the latent-noise dialog: Gaussian noise of σ × max|component|
// on the Reasoner's latent at a step or at every step.
type Noise struct {
	Keys     NoiseKeys
	Step     int
	Sigmas   []float64
	SigmaIdx int
	Every    bool
}

// NewNoise opens the noise dialog at step with the usual σ choices.
func NewNoise(keys NoiseKeys, step int) Noise {
	return Noise{Keys: keys, Step: step, Sigmas: []float64{0.05, 0.1, 0.2, 0.5, 1}, SigmaIdx: 2}
}

// ID implements Dialog.
func (Noise) ID() string { return "noise" }

// Update implements Dialog.
func (d Noise) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Sigma):
		if key.Matches(k, d.Keys.Less) {
			d.SigmaIdx = max(0, d.SigmaIdx-1)
		} else {
			d.SigmaIdx = min(len(d.Sigmas)-1, d.SigmaIdx+1)
		}
	case key.Matches(k, d.Keys.Every):
		d.Every = !d.Every
	case key.Matches(k, d.Keys.Confirm) && len(d.Sigmas) > 0:
		step := d.Step
		if d.Every {
			step = 0
		}
		return d, Inject{engine.Injection{Kind: engine.Noise, Step: step, Sigma: d.Sigmas[d.SigmaIdx]}}
	}
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d Noise) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Noise) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 64)
	title := fmt.Sprintf("Latent noise at step %d", d.Step)
	if d.Every {
		title = "Latent noise at every step"
	}
	body := wrap("Gaussian noise of σ × max|component| on the Reasoner's latent, renormalised onto the sphere; later steps read the noisy latent.", bw-4)
	body = append(body, "")
	line := "σ  "
	for i, sg := range d.Sigmas {
		c := fmt.Sprintf(" %g ", sg)
		if i == d.SigmaIdx {
			c = st.Overlay.Selected.Render("[" + strings.TrimSpace(c) + "]")
		}
		line += c
	}
	body = append(body, line)
	scope := "[this step]  every step"
	if d.Every {
		scope = " this step  [every step]"
	}
	body = append(body, "scope "+scope, "")
	body = append(body, hintLines(st, bw-4, d.Keys.Sigma, d.Keys.Every, d.Keys.Confirm, d.Keys.Cancel)...)
	return Overlay{W: bw, Title: title, Body: body}
}

// ShortHelp implements help.KeyMap.
func (d Noise) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Sigma, d.Keys.Every, d.Keys.Confirm, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d Noise) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
