package engine

import (
	"context"
	"runtime"
	"sort"
	"time"
)

// StepBench is the engine's speed and memory on the loaded set.
type StepBench struct {
	StepMsP50 float64 `json:"step_ms_p50"`
	StepMsP99 float64 `json:"step_ms_p99"`
	// NewSessionMsP50 is the median time to open a problem: the Reasoner
	// and the baseline read the prompt (what a new problem costs before its
	// first step).
	NewSessionMsP50 float64 `json:"new_session_ms_p50"`
	SessionBytes    uint64  `json:"session_bytes"`
	Steps           int     `json:"steps"`
	Sessions        int     `json:"sessions"`
	GOMAXPROCS      int     `json:"gomaxprocs"`
}

// BenchStep times single steps (with every read-out, both Talkers and the
// baseline) over fresh sessions for at least d, and measures the heap
// growth of one complete session (clean copy included) with an injection.
func BenchStep(ctx context.Context, set *Set, d time.Duration) (StepBench, error) {
	var times []float64
	res := StepBench{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	start := time.Now()
	inj := []Injection{ForceToken(LaneBaseline, 1, 0, set.Task.Vocab())}
	for seed := uint64(1); time.Since(start) < d || len(times) < 50; seed++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := NewProblem(set.Task, seed)
		s, err := NewSession(set, p, inj, Options{})
		if err != nil {
			return res, err
		}
		res.Sessions++
		for !s.Done() {
			t0 := time.Now()
			if _, err := s.Step(); err != nil {
				return res, err
			}
			times = append(times, float64(time.Since(t0).Nanoseconds())/1e6)
		}
	}
	sort.Float64s(times)
	res.Steps = len(times)
	res.StepMsP50 = times[len(times)/2]
	res.StepMsP99 = times[min(len(times)-1, len(times)*99/100)]

	var opens []float64
	for seed := uint64(1); seed <= 31; seed++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := NewProblem(set.Task, seed)
		t0 := time.Now()
		if _, err := NewSession(set, p, nil, Options{}); err != nil {
			return res, err
		}
		opens = append(opens, float64(time.Since(t0).Nanoseconds())/1e6)
	}
	sort.Float64s(opens)
	res.NewSessionMsP50 = opens[len(opens)/2]

	// Memory: heap in use before and after building and running one session
	// that stays reachable.
	p := NewProblem(set.Task, 1)
	var before, after runtime.MemStats
	// Two collections empty the sync.Pools (the prompt pass's pooled
	// activations are shared scratch, not the session's).
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := NewSession(set, p, inj, Options{})
	if err != nil {
		return res, err
	}
	if err := s.RunToEnd(); err != nil {
		return res, err
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		res.SessionBytes = after.HeapAlloc - before.HeapAlloc
	}
	runtime.KeepAlive(s)
	return res, nil
}
