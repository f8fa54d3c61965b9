package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// BatchSizes are the numbers of fresh problems the batch dialog offers.
var BatchSizes = []int{10, 20, 50, 100, 200}

// StartBatch asks the app to apply the injections to N fresh problems
// (the dialog stays open and shows the progress).
type StartBatch struct{ N int }

func (StartBatch) action() {}

// BatchLane is one lane's verdicts over the problems done.
type BatchLane struct {
	Info     engine.LaneInfo
	Verdicts map[string]int
}

// Batch is the in-app batch: the injections on screen applied to N fresh
// problems (seeds after the one on screen), each run to the end, the
// lanes' verdicts counted, so a user sees whether what they just watched
// is typical. The app fills Done, Skipped, Lanes and Running as the
// problems finish.
type Batch struct {
	Keys       BatchKeys
	Injections []engine.Injection
	Size       int // index in BatchSizes
	Running    bool
	Started    bool
	Done       int // problems finished (run or skipped)
	Total      int
	// Skipped counts the problems the injections do not fit (a step
	// beyond a shorter answer).
	Skipped int
	Lanes   []BatchLane
	Err     string
}

// NewBatch opens the batch dialog for inj.
func NewBatch(keys BatchKeys, inj []engine.Injection) Batch {
	return Batch{Keys: keys, Injections: inj, Size: 1}
}

// ID implements Dialog.
func (Batch) ID() string { return "batch" }

// N is the number of problems chosen.
func (d Batch) N() int { return BatchSizes[max(0, min(d.Size, len(BatchSizes)-1))] }

// Update implements Dialog.
func (d Batch) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Close):
		return d, Close{}
	case d.Running:
		return d, nil
	case key.Matches(k, d.Keys.Size):
		if key.Matches(k, d.Keys.Less) {
			d.Size--
		} else {
			d.Size++
		}
		d.Size = max(0, min(d.Size, len(BatchSizes)-1))
	case key.Matches(k, d.Keys.Start):
		return d, StartBatch{N: d.N()}
	}
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d Batch) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// verdictOrder is the order of the verdict columns.
var verdictOrder = []string{engine.VerdictCorrect, engine.VerdictContained, engine.VerdictRecovered,
	engine.VerdictPropagated, engine.VerdictWrong, engine.VerdictPending, engine.VerdictUnknown}

// View implements Dialog.
func (d Batch) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 80)
	iw := max(10, bw-4)
	ov := Overlay{W: bw, Title: "Apply the injections to fresh problems"}
	var inj []string
	for _, in := range d.Injections {
		inj = append(inj, in.String())
	}
	ov.Body = append(ov.Body, fit("injections: "+strings.Join(inj, " "), iw))
	if !d.Started {
		ov.Body = append(ov.Body, fmt.Sprintf("problems: %d (the seeds after the one on screen)", d.N()))
	} else {
		frac := 0.0
		if d.Total > 0 {
			frac = float64(d.Done) / float64(d.Total)
		}
		state := "done"
		if d.Running {
			state = "running"
		} else if d.Done < d.Total {
			state = "stopped"
		}
		ov.Body = append(ov.Body, fmt.Sprintf("%s %d/%d %s", bar(st, frac, min(30, iw/2)), d.Done, d.Total, state))
		if d.Skipped > 0 {
			ov.Body = append(ov.Body, st.Dim.Render(fmt.Sprintf("%d problems skipped: the injections do not fit them", d.Skipped)))
		}
		ran := d.Done - d.Skipped
		// The verdicts that occur, in order, as columns.
		var cols []string
		for _, v := range verdictOrder {
			for _, l := range d.Lanes {
				if l.Verdicts[v] > 0 {
					cols = append(cols, v)
					break
				}
			}
		}
		if ran > 0 {
			var hb strings.Builder
			hb.WriteString(fit("lane", laneLabelW))
			for _, v := range cols {
				hb.WriteString(fmt.Sprintf(" %11s", v))
			}
			ov.Body = append(ov.Body, "", st.Dim.Render(hb.String()))
			for _, l := range d.Lanes {
				var b strings.Builder
				b.WriteString(fit(l.Info.Label, laneLabelW))
				for _, v := range cols {
					n := l.Verdicts[v]
					b.WriteString(fmt.Sprintf(" %4d (%3.0f%%)", n, 100*float64(n)/float64(ran)))
				}
				ov.Body = append(ov.Body, b.String())
			}
		}
	}
	if d.Err != "" {
		ov.Body = append(ov.Body, "")
		for _, l := range wrap(d.Err, iw) {
			ov.Body = append(ov.Body, st.Overlay.Error.Render(l))
		}
	}
	ov.Body = append(ov.Body, "")
	ov.Body = append(ov.Body, hintLines(st, iw, d.ShortHelp()...)...)
	return ov
}

// ShortHelp implements help.KeyMap.
func (d Batch) ShortHelp() []key.Binding {
	size, start := d.Keys.Size, d.Keys.Start
	size.SetEnabled(!d.Running)
	start.SetEnabled(!d.Running)
	return []key.Binding{size, start, d.Keys.Close}
}

// FullHelp implements help.KeyMap.
func (d Batch) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
