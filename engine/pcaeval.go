package engine

import (
	"context"
	"fmt"
	"math"

	"jrx/probes"
)

// PCAPoint is one point of the PCA figure: a latent (Step ≥ 1, of problem
// Problem) or a vocabulary vector (Step 0: a target-table row, normalised).
type PCAPoint struct {
	Problem int     `json:"problem"` // index among the n problems (-1 for a vocabulary point)
	Step    int     `json:"step"`
	Token   int     `json:"token"` // the truth at the step, or the vocabulary point's token
	Sym     string  `json:"sym"`
	X       float64 `json:"pc1"`
	Y       float64 `json:"pc2"`
}

// PCAReport is the output of jrx eval pca (the paper's Fig. 2).
type PCAReport struct {
	N    int    `json:"n"`
	Seed uint64 `json:"seed"`
	Task string `json:"task"`
	// Latents is the number of route latents the components were fitted
	// on (every step of every problem but the final EOS step).
	Latents int `json:"latents"`
	// Explained is the fraction of the latents' variance along each of the
	// top components.
	Explained []float64 `json:"explained"`
	// Points are problem 0's route latents and its hypotheses' vocabulary
	// points (the figure), on the top two components.
	Points []PCAPoint `json:"points"`
	// Cloud are every fitted latent on the top two components (the
	// figure's background).
	Cloud [][2]float64 `json:"cloud"`
	// Between: how far the latents sit from vocabulary points — the mean
	// cosine to the nearest target-table row, and the fraction of latents
	// whose nearest cosine is below 0.9 (a latent on a vocabulary point
	// has cosine 1).
	MeanNearestCos float64           `json:"mean_nearest_cos"`
	FracBelow09    float64           `json:"frac_nearest_below_0_9"`
	Hashes         map[string]string `json:"model_sha256"`
}

// PaperPC1, PaperPC2 are the paper's Fig. 2 variance explained (depth-4
// trees, its 42M Reasoner).
const (
	PaperPC1 = 0.087
	PaperPC2 = 0.079
)

// PCAFigure fits principal components to the route latents of n problems
// drawn from seed (clean runs) and projects problem 0's latents and its
// hypotheses' normalised target-table rows onto the top two.
func PCAFigure(ctx context.Context, set *Set, n int, seed uint64, progress func(done, total int)) (PCAReport, error) {
	rep := PCAReport{N: n, Seed: seed, Task: set.Task.Name(), Hashes: set.Hashes}
	if n < 1 {
		return rep, fmt.Errorf("pca: want 1 problem at least")
	}
	r := set.Reasoner
	d := r.Cfg.D
	var rows [][]float32
	var first []*Snapshot
	var p0 Problem
	var sumCos float64
	var below int
	for k := 0; k < n; k++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		p := NewProblem(set.Task, seed+uint64(k)*7919)
		s, err := newSession(set, p, nil, Options{Light: true})
		if err != nil {
			return rep, err
		}
		if err := s.RunToEndContext(ctx); err != nil {
			return rep, err
		}
		snaps := s.snaps[:len(s.snaps)-1] // the route: every step but the final EOS
		for _, sn := range snaps {
			rows = append(rows, sn.Latent)
			c := probes.Nearest(r.Target, d, sn.Latent, 1, nil)[0].Cos
			sumCos += c
			if c < 0.9 {
				below++
			}
		}
		if k == 0 {
			first, p0 = snaps, p
		}
		if progress != nil {
			progress(k+1, n)
		}
	}
	if len(rows) < 2 {
		return rep, fmt.Errorf("pca: %d route latents; want 2 at least", len(rows))
	}
	rep.Latents = len(rows)
	rep.MeanNearestCos = sumCos / float64(len(rows))
	rep.FracBelow09 = float64(below) / float64(len(rows))
	comps, explained, proj := probes.PCA(rows, 10)
	rep.Explained = explained
	for _, pr := range proj {
		rep.Cloud = append(rep.Cloud, [2]float64{pr[0], pr[min(1, len(pr)-1)]})
	}
	mean := make([]float64, d)
	for _, row := range rows {
		for i, v := range row {
			mean[i] += float64(v) / float64(len(rows))
		}
	}
	project := func(v []float64) (float64, float64) {
		var x, y float64
		for i := range v {
			x += (v[i] - mean[i]) * comps[0][i]
			if len(comps) > 1 {
				y += (v[i] - mean[i]) * comps[1][i]
			}
		}
		return x, y
	}
	vocab := set.Task.Vocab()
	for i, sn := range first {
		v := make([]float64, d)
		for j, x := range sn.Latent {
			v[j] = float64(x)
		}
		x, y := project(v)
		rep.Points = append(rep.Points, PCAPoint{Problem: 0, Step: i + 1, Token: sn.Truth, Sym: vocab.Sym(sn.Truth), X: x, Y: y})
	}
	for _, tok := range p0.Instance.Hypotheses() {
		row := r.Target[tok*d : (tok+1)*d]
		var nn float64
		for _, x := range row {
			nn += float64(x) * float64(x)
		}
		v := make([]float64, d)
		for j, x := range row {
			v[j] = float64(x) / math.Sqrt(nn)
		}
		x, y := project(v)
		rep.Points = append(rep.Points, PCAPoint{Problem: -1, Step: 0, Token: tok, Sym: vocab.Sym(tok), X: x, Y: y})
	}
	return rep, nil
}
