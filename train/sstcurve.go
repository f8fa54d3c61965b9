package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"jrx/internal/safeio"
	"jrx/latent"
	"jrx/probes"
)

// FileSSTCurve is SST's learning curve in a run's directory, written when
// the recipe's SSTCurveEvery is > 0.
const FileSSTCurve = "sst_curve.json"

// SSTCurveFormat is the curve file's format tag.
const SSTCurveFormat = "jrx-sst-curve/1"

// SSTCurve is SST's learning curve: the paper's App. D figure (the correct
// major contributor rate against SST steps, one curve per loss scale k).
// Points are measured on the recipe's EvalN evaluation trees, drawn from
// the seed EvalSeed that training never uses, with the Reasoner's free
// run and its EMA target table at that step.
type SSTCurve struct {
	Format   string  `json:"format"`
	Task     string  `json:"task"`
	Depth    int     `json:"depth"`
	K        float32 `json:"k"`
	Seed     uint64  `json:"seed"`      // the training seed
	EvalN    int     `json:"eval_n"`    // evaluation trees per point
	EvalSeed uint64  `json:"eval_seed"` // their seed
	Every    int     `json:"every"`     // SST steps between two points
	SSTSteps int     `json:"sst_steps"`
	// Recipe is the run's whole recipe.
	Recipe json.RawMessage `json:"recipe"`
	Points []CurvePoint    `json:"points"`
}

// CurvePoint is one measurement of the curve, after Step SST steps (0:
// the pretrained network with the fresh target table, before SST).
type CurvePoint struct {
	Step int `json:"step"`
	// MajorRate is the correct major contributor rate: on the plane of the
	// correct child's and its sibling's target-table rows, the correct one
	// has the larger coefficient (probes.RivalStats), over PlaneSteps route
	// steps.
	MajorRate    float64 `json:"major_contributor_rate"`
	PlaneRankPct float64 `json:"sibling_plane_rank_pct"`
	PlaneSteps   int     `json:"plane_steps"`
	// NearestExact is the route exact match of the free-running chain read
	// out by the nearest target-table row.
	NearestExact float64 `json:"route_exact_nearest"`
}

// ReadSSTCurve reads dir's SST curve. A directory without one gets an
// error that wraps fs.ErrNotExist and says how to record one.
func ReadSSTCurve(dir string) (SSTCurve, error) {
	path := filepath.Join(dir, FileSSTCurve)
	b, err := safeio.ReadFile(path, 16<<20)
	if errors.Is(err, fs.ErrNotExist) {
		st, serr := os.Stat(dir)
		switch {
		case serr != nil:
			return SSTCurve{}, noCurve(fmt.Sprintf("%s: no such directory (want a training run's output directory)", dir))
		case !st.IsDir():
			return SSTCurve{}, noCurve(fmt.Sprintf("%s: not a directory (want a training run's output directory)", dir))
		}
		return SSTCurve{}, noCurve(fmt.Sprintf("%s has no SST curve (%s): it is recorded while SST trains, when asked for: "+
			"jrx train tree --sst-curve-every 20 --k K --out DIR (add --from RUN to take a finished pretraining "+
			"from another run with the same recipe; a finished SST cannot be measured after the fact)", dir, FileSSTCurve))
	}
	if err != nil {
		return SSTCurve{}, err
	}
	var c SSTCurve
	if err := json.Unmarshal(b, &c); err != nil {
		return SSTCurve{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.Format != SSTCurveFormat {
		return SSTCurve{}, fmt.Errorf("%s: not a jrx SST curve (format %q, want %q)", path, c.Format, SSTCurveFormat)
	}
	for i, p := range c.Points {
		if i > 0 && p.Step <= c.Points[i-1].Step {
			return SSTCurve{}, fmt.Errorf("%s: points out of order (step %d after %d)", path, p.Step, c.Points[i-1].Step)
		}
		if !(p.MajorRate >= 0 && p.MajorRate <= 1) || !(p.NearestExact >= 0 && p.NearestExact <= 1) {
			return SSTCurve{}, fmt.Errorf("%s: point at step %d has a rate outside [0, 1]", path, p.Step)
		}
	}
	if !(c.K >= 0) || math.IsInf(float64(c.K), 0) {
		return SSTCurve{}, fmt.Errorf("%s: k %g", path, c.K)
	}
	return c, nil
}

// noCurve is ReadSSTCurve's error for a directory without a curve: it
// matches fs.ErrNotExist.
type noCurve string

func (e noCurve) Error() string        { return string(e) }
func (e noCurve) Is(target error) bool { return target == fs.ErrNotExist }

// Write writes the curve into dir (a temporary file renamed into place).
func (c SSTCurve) Write(dir string) error {
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, FileSSTCurve), append(b, '\n'))
}

// curveRecorder measures and records the SST curve. It only reads the
// network (a forward pass into its own buffers on a fixed problem set) and
// draws no random numbers, so the training numbers do not depend on it.
type curveRecorder struct {
	dir   string
	curve SSTCurve
	net   *latent.Reasoner
	set   *probes.ProblemSet
	bf    probes.Buffers
	cont  []int
}

func (t *Trainer) newCurveRecorder(net *latent.Reasoner, ev *evaluator) *curveRecorder {
	r := t.Recipe
	return &curveRecorder{
		dir: t.Dir, net: net, set: ev.set, cont: t.task.Vocab().Content(),
		curve: SSTCurve{Format: SSTCurveFormat, Task: r.Task, Depth: r.Depth, K: r.Model.K, Seed: r.Seed,
			EvalN: r.EvalN, EvalSeed: ev.set.Seed, Every: r.SSTCurveEvery, SSTSteps: r.SSTSteps,
			Recipe: json.RawMessage(r.JSON())},
	}
}

// begin is called when SST starts training at step start (0, or the step a
// resumed run continues from): the points an earlier process recorded up to
// start are kept (those after it are measured again, to the same numbers),
// provided they were measured the same way; at step 0 the untrained point
// is measured.
func (c *curveRecorder) begin(start int) error {
	if start > 0 {
		old, err := ReadSSTCurve(c.dir)
		if err == nil && old.K == c.curve.K && old.Seed == c.curve.Seed && old.EvalN == c.curve.EvalN && old.EvalSeed == c.curve.EvalSeed {
			for _, p := range old.Points {
				if p.Step <= start {
					c.curve.Points = append(c.curve.Points, p)
				}
			}
		}
		return c.curve.Write(c.dir)
	}
	return c.point(0)
}

// point measures the network after step SST steps and rewrites the file.
func (c *curveRecorder) point(step int) error {
	d := c.net.Cfg.D
	lat := c.bf.FreeLatents(c.net, c.set)
	var rt probes.RivalTally
	rt.Add(c.net.Target, d, lat, c.cont, c.set)
	p := CurvePoint{Step: step}
	p.MajorRate, p.PlaneRankPct, p.PlaneSteps = rt.Stats()
	p.NearestExact = float64(probes.NearestCount(c.net.Target, d, lat, c.set)) / float64(max(c.set.Len(), 1))
	if n := len(c.curve.Points); n > 0 && c.curve.Points[n-1].Step >= step {
		c.curve.Points = c.curve.Points[:sort.Search(n, func(i int) bool { return c.curve.Points[i].Step >= step })]
	}
	c.curve.Points = append(c.curve.Points, p)
	return c.curve.Write(c.dir)
}

// copyCurve copies from's SST curve into dir (the SST stage was taken from
// from); no curve there is no error.
func copyCurve(from, dir string) error {
	c, err := ReadSSTCurve(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.Write(dir)
}
