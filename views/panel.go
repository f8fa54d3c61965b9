package views

import (
	"fmt"
	"sort"
	"sync"
)

// PanelCtx is what a panel draws from: one screen's values, read only.
type PanelCtx struct {
	Styles  *Styles
	Frame   *Frame // never nil when a panel is drawn
	Sel     int    // the selected step, 1-based; 0 = none
	Show    Visibility
	Keys    *MainKeys // the main screen's bindings, for hints that name a key
	Compact bool
	// Dock are the open dialog's panels (a Docked dialog: the tour's
	// commentary), laid out after the frame's.
	Dock []Panel
	// Large is the large layout (a big window or the presenter mode):
	// panels draw bigger (a wider, taller tree, wider step cells).
	Large bool
}

// Panel is one panel of the main screen: what the toggles menu calls it,
// where the layout puts it, how big it wants to be, and how it draws. A
// panel is a value; its functions are pure (they read the context and
// return lines), so rendering stays a pure function of the Screen.
type Panel struct {
	// ID keys the panel in the layout and in Visibility ("trajectory").
	ID string
	// Label names it in the panels-and-lanes menu ("problem tree"), Key
	// toggles it there ("t").
	Label, Key string
	Place      Place
	// Share is a row panel's relative width.
	Share int
	// Size is the panel's size preference for c (inner cells; only the
	// fields of its Place count).
	Size func(c PanelCtx) Want
	// Title is the panel's title in its top border.
	Title func(c PanelCtx) string
	// Render draws the panel's inside, w × h cells (lines longer or more
	// than that are cut).
	Render func(c PanelCtx, w, h int) []string
	// StepAt, when not nil, is the step whose cell is at (x, y) in the
	// panel's inner rectangle in, or 0: a click there selects that step.
	StepAt func(c PanelCtx, in Rect, x, y int) int
}

// The main screen's own panels, in menu order after the task's panel.
const (
	PanelTrajectory = "trajectory"
	PanelNearest    = "nearest"
	PanelMixture    = "mixture"
	PanelLanes      = "lanes"
)

var (
	taskPanelsMu sync.RWMutex
	taskPanels   = map[string]Panel{}
)

// RegisterTaskPanel makes p the panel of the task called task (a
// tasks.Task's Name): a frame of that task shows it in the side column.
// A task without a registered panel gets none, and the other panels take
// its room. It panics on a second registration for the same task (a
// programming error, at init time).
func RegisterTaskPanel(task string, p Panel) {
	taskPanelsMu.Lock()
	defer taskPanelsMu.Unlock()
	if _, dup := taskPanels[task]; dup {
		panic("views: RegisterTaskPanel called twice for " + task)
	}
	if p.ID == "" || p.Render == nil || p.Size == nil || p.Title == nil {
		panic(fmt.Sprintf("views: task panel of %s lacks an ID, Size, Title or Render", task))
	}
	taskPanels[task] = p
}

// TaskPanels lists the tasks that have a panel, sorted.
func TaskPanels() []string {
	taskPanelsMu.RLock()
	defer taskPanelsMu.RUnlock()
	out := make([]string, 0, len(taskPanels))
	for n := range taskPanels {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func taskPanel(task string) (Panel, bool) {
	taskPanelsMu.RLock()
	defer taskPanelsMu.RUnlock()
	p, ok := taskPanels[task]
	return p, ok
}

// Panels lists the panels of f's main screen in menu order: the task's
// panel (when its task has one), the trajectory, nearest tokens, the
// mixture and the lanes.
func Panels(f *Frame) []Panel {
	var out []Panel
	if f != nil {
		if p, ok := taskPanel(f.Task); ok {
			out = append(out, p)
		}
	}
	out = append(out, trajectoryPanel, nearestPanel, mixturePanel, lanesPanel)
	if f != nil && f.PCA != nil {
		out = append(out, pcaPanel)
	}
	return out
}

var trajectoryPanel = Panel{
	ID: PanelTrajectory, Label: "trajectory", Key: "j", Place: PlaceStrip,
	Size: func(c PanelCtx) Want { return Want{H: TrajectoryRows(c.Compact)} },
	Title: func(c PanelCtx) string {
		return pick(c.Compact, "Trajectory", "Trajectory · one cell per latent step")
	},
	Render: func(c PanelCtx, w, h int) []string {
		return renderTrajectory(c.Styles, c.Frame, c.Sel, w, h, c.Compact, c.Large)
	},
	StepAt: func(c PanelCtx, in Rect, x, y int) int {
		return trajectoryStepAt(in, c.Frame.Steps, c.Sel, x, y, c.Large)
	},
}

var nearestPanel = Panel{
	ID: PanelNearest, Label: "nearest tokens", Key: "k", Place: PlaceRow, Share: 45,
	Size:  func(PanelCtx) Want { return Want{} },
	Title: func(c PanelCtx) string { return stepTitle(pick(c.Compact, "Nearest", "Nearest tokens"), c.Sel) },
	Render: func(c PanelCtx, w, h int) []string {
		return renderNearest(c.Styles, c.Frame, c.Sel, w, h, c.Compact)
	},
}

var mixturePanel = Panel{
	ID: PanelMixture, Label: "hypothesis mixture", Key: "x", Place: PlaceRow, Share: 55,
	Size:  func(PanelCtx) Want { return Want{} },
	Title: func(c PanelCtx) string { return stepTitle(pick(c.Compact, "Mixture", "Hypothesis mixture"), c.Sel) },
	Render: func(c PanelCtx, w, h int) []string {
		return renderMixture(c.Styles, c.Frame, c.Sel, w, h, c.Compact)
	},
}

var lanesPanel = Panel{
	ID: PanelLanes, Label: "lanes panel", Key: "l", Place: PlaceBottom,
	Size:  func(c PanelCtx) Want { return Want{H: lanesRows(c.Frame, c.Show, c.Compact)} },
	Title: func(PanelCtx) string { return "Lanes · aligned by step" },
	Render: func(c PanelCtx, w, h int) []string {
		return renderLanes(c, w, h)
	},
	StepAt: func(c PanelCtx, in Rect, x, y int) int {
		return lanesStepAt(in, c.Frame.Steps, c.Sel, x, y, c.Compact, c.Large)
	},
}

// shownPanels are the panels of c's frame that Visibility shows, with their
// size preferences.
func shownPanels(c PanelCtx) ([]Panel, []Want) {
	var ps []Panel
	var ws []Want
	for _, p := range append(Panels(c.Frame), c.Dock...) {
		if !c.Show.Panel(p.ID) {
			continue
		}
		w := p.Size(c)
		w.ID, w.Place, w.Share = p.ID, p.Place, p.Share
		ps = append(ps, p)
		ws = append(ws, w)
	}
	return ps, ws
}
