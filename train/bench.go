package train

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"jrx/latent"
	"jrx/nn"
	"jrx/tasks"
)

// BenchConfig is the shape measured by BenchTrain.
type BenchConfig struct {
	D, Layers, F, Heads, Batch, Seq int
	Duration                        time.Duration
	// CPUTime, if set, reads the process's CPU time (user + system, every
	// thread); BenchTrain then reports the cores kept busy by the timed
	// steps (BenchResult.CPUSeconds, CoresBusy).
	CPUTime func() time.Duration
}

// BenchResult is one training-speed measurement.
type BenchResult struct {
	D          int     `json:"d"`
	Layers     int     `json:"layers"`
	FFN        int     `json:"ffn"`
	Heads      int     `json:"heads"`
	Batch      int     `json:"batch"`
	Seq        int     `json:"seq"`
	Steps      int     `json:"steps"`
	Seconds    float64 `json:"seconds"`
	TokensPerS float64 `json:"tokens_per_s"`
	// GFLOPS is the model's training FLOPs per second: FlopsPerToken ×
	// tokens/s, with FlopsPerToken = 6·(block parameters) + 6·V·d (tied
	// head) + 6·L·T·A (causal attention scores and values, fwd + bwd).
	GFLOPS        float64 `json:"gflops"`
	FlopsPerToken float64 `json:"flops_per_token"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	Kernel        string  `json:"kernel"`
	// CPUSeconds is the process's CPU time over the timed steps and
	// CoresBusy that over Seconds (with BenchConfig.CPUTime only).
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	CoresBusy  float64 `json:"cores_busy,omitempty"`
}

// BenchTrain times full training steps (zero grads, forward, backward,
// AdamW) of a token network on depth-4 tree batches padded to Seq tokens.
func BenchTrain(ctx context.Context, bc BenchConfig) (BenchResult, error) {
	task, err := benchTask(bc.Seq)
	if err != nil {
		return BenchResult{}, err
	}
	cfg := latent.DefaultConfig(task.Vocab().Size())
	cfg.D, cfg.A, cfg.Layers, cfg.F, cfg.Heads = bc.D, bc.D, bc.Layers, bc.F, bc.Heads
	cfg.Context = max(bc.Seq, 2)
	net, err := latent.New(cfg, false, false)
	if err != nil {
		return BenchResult{}, err
	}
	net.Init(1)
	b := tasks.MakeBatch(sample(task, tasks.NewRNG(1), bc.Batch), task.Vocab().PAD(), max(bc.Seq, seqLen(task)-1), 1)
	wk := net.NewWork(b.B, b.T)
	opt := nn.NewAdamW(net.P, nn.DefaultAdamWConfig())
	step := func() {
		net.P.ZeroGrad()
		net.TokenLoss(wk, b.Inputs, b.Targets, nil, b.W1, nil, b.B, b.T)
		opt.Step(1e-4)
	}
	step() // warm-up: first-touch of buffers, kernel scratch
	step()
	res := BenchResult{D: cfg.D, Layers: cfg.Layers, FFN: cfg.F, Heads: cfg.Heads, Batch: b.B, Seq: b.T,
		GOMAXPROCS: runtime.GOMAXPROCS(0), Kernel: nn.KernelName()}
	var cpu0 time.Duration
	if bc.CPUTime != nil {
		cpu0 = bc.CPUTime()
	}
	start := time.Now()
	for time.Since(start) < bc.Duration || res.Steps < 3 {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		step()
		res.Steps++
	}
	res.Seconds = time.Since(start).Seconds()
	if bc.CPUTime != nil {
		if cpu := bc.CPUTime() - cpu0; cpu > 0 {
			res.CPUSeconds = cpu.Seconds()
			res.CoresBusy = res.CPUSeconds / res.Seconds
		}
	}
	res.TokensPerS = float64(res.Steps*b.B*b.T) / res.Seconds
	d, A, F, L, V, T := float64(cfg.D), float64(cfg.A), float64(cfg.F), float64(cfg.Layers), float64(cfg.Vocab), float64(b.T)
	blockParams := L * (4*d*A + 2*d*F)
	res.FlopsPerToken = 6*blockParams + 6*V*d + 6*L*T*A
	res.GFLOPS = res.FlopsPerToken * res.TokensPerS / 1e9
	return res, nil
}

// benchTask is the deepest tree task (4 levels, then 3, then 2) whose
// sequences fit seq tokens.
func benchTask(seq int) (tasks.Task, error) {
	var task tasks.Task
	for depth := 4; depth >= 2; depth-- {
		t, err := tasks.New("tree", json.RawMessage(fmt.Sprintf(`{"depth":%d}`, depth)))
		if err != nil {
			return nil, err
		}
		task = t
		if seq >= seqLen(t)-1 {
			break
		}
	}
	return task, nil
}
