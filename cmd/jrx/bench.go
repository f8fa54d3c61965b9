package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/nn"
	"jrx/train"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure speed: matmul kernels, training steps, engine steps",
		usage:   "matmul|train|step [--json] [flags]",
		help: `Measures speed on this machine against a reference run in the same process.
  matmul  GFLOP/s of jrx's Sgemm on the training shapes, beside gonum's
          blas32.Gemm measured on the same shapes in the same run (and, in
          the openblas build, OpenBLAS's: jrx's column is then the best
          pure-Go path, or the one JRX_KERNEL names)
  train   tokens/s and model GFLOP/s of full training steps (forward,
          backward, AdamW), and the cores they kept busy (CPU time over
          wall time); --d --layers --ffn --heads --batch --seq pick the
          shape (default: the project's default model on depth-4 batches)
  step    one engine step with every read-out, both Talkers and the
          baseline (median and 99th percentile ms), the time to open a
          problem (the prompt read by the Reasoner and the baseline), and
          one session's bytes, on the model set of --model (default:
          embedded); and the Reasoner's latent step against the memory
          bound (its weight bytes ÷ a streaming-read bandwidth measured in
          the same run, in rounds: the bandwidth, then ≥ 5 steps and
          ≥ 250 ms of them):
          step_ms_p50, bandwidth_gb_s and bandwidth_bound_ms (the rounds'
          median), ratio_to_bound (the median of the rounds' ratios: steps
          against the bandwidth of their own moment), and the strict
          reading bandwidth_best_gb_s, ratio_to_best_bound (the median step
          against the best pass of the run). For a big set (mapped, or
          without a baseline) only the latter, with the read-outs' time
With --json each line is one JSON object.`,
		run: runBench,
	})
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("bench")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return parseFlags(newFlags(c, env), env, args)
		}
		return usagef("which benchmark? matmul, train or step")
	}
	what, args := args[0], args[1:]
	fs := newFlags(c, env)
	asJSON := fs.Bool("json", false, "print JSON objects, one per line")
	dur := fs.Duration("time", 0, "minimum measuring time per case (default 1s; train 10s: a training step takes ~0.3s)")
	d := fs.Int("d", 128, "train: model width")
	layers := fs.Int("layers", 6, "train: blocks")
	ffn := fs.Int("ffn", 512, "train: feed-forward width")
	heads := fs.Int("heads", 4, "train: attention heads")
	batch := fs.Int("batch", 64, "train: sequences per batch")
	seq := fs.Int("seq", 51, "train: tokens per sequence")
	model := fs.String("model", "", "step: model-set directory (default: the embedded set)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole benchmark to this file")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *dur < 0 || *dur > time.Hour {
		return usagef("--time %s: want a duration up to 1h (0 = the default)", *dur)
	}
	if *dur == 0 {
		*dur = time.Second
		if what == "train" {
			*dur = 10 * time.Second
		}
	}
	stop, err := startProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	switch what {
	case "matmul":
		var rows []nn.MatmulResult
		sm := startSteal()
		for _, s := range nn.MatmulShapes() {
			if err := ctx.Err(); err != nil {
				return err
			}
			r := nn.BenchMatmul(s, *dur)
			rows = append(rows, r)
			if *asJSON {
				if err := writeJSON(env.stdout, r, false); err != nil {
					return err
				}
			}
		}
		if !*asJSON {
			w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			ob := nn.HasOpenBLAS()
			if ob {
				fmt.Fprintf(w, "shape\tjrx GFLOP/s\tgonum GFLOP/s\tratio\tOpenBLAS GFLOP/s\tjrx/OpenBLAS\t\n")
			} else {
				fmt.Fprintf(w, "shape\tjrx GFLOP/s\tgonum GFLOP/s\tratio\t\n")
			}
			for _, r := range rows {
				if ob {
					fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f×\t%.1f\t%.2f\t\n", r.Shape, r.GFLOPS, r.GonumGFLOPS, r.Ratio, r.OpenBLASGFLOPS, r.OpenBLASRatio)
				} else {
					fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f×\t\n", r.Shape, r.GFLOPS, r.GonumGFLOPS, r.Ratio)
				}
			}
			w.Flush()
			if len(rows) > 0 {
				fmt.Fprintf(env.stdout, "kernel %s, %d threads%s\n", rows[0].Kernel, rows[0].Threads, stealNote(sm.pct()))
			}
		}
		return nil
	case "train":
		if *d < 2 || *layers < 1 || *ffn < 1 || *heads < 1 || *batch < 1 || *seq < 2 || *d > 4096 || *layers > 128 || *ffn > 16384 || *batch > 4096 || *seq > 4096 {
			return usagef("shape out of range")
		}
		if *d%*heads != 0 || (*d / *heads)%2 != 0 {
			return usagef("--d %d must split into %d heads of even width", *d, *heads)
		}
		sm := startSteal()
		r, err := train.BenchTrain(ctx, train.BenchConfig{D: *d, Layers: *layers, F: *ffn, Heads: *heads, Batch: *batch, Seq: *seq, Duration: *dur, CPUTime: processCPU})
		if err != nil {
			return err
		}
		steal := sm.pct()
		if *asJSON {
			return writeJSON(env.stdout, struct {
				train.BenchResult
				CPUStealPct *float64 `json:"cpu_steal_pct,omitempty"`
			}{r, steal}, false)
		}
		fmt.Fprintf(env.stdout, "training step, d %d / %d blocks / FFN %d / %d heads, batch %d × %d tokens\n", r.D, r.Layers, r.FFN, r.Heads, r.Batch, r.Seq)
		busy := ""
		if r.CoresBusy > 0 {
			busy = fmt.Sprintf(" (%.2f cores busy)", r.CoresBusy)
		}
		fmt.Fprintf(env.stdout, "%.0f tokens/s, %.1f model GFLOP/s (%.2f MFLOP/token), %d steps in %.1fs, GOMAXPROCS %d%s, kernel %s%s\n",
			r.TokensPerS, r.GFLOPS, r.FlopsPerToken/1e6, r.Steps, r.Seconds, r.GOMAXPROCS, busy, r.Kernel, stealNote(steal))
		// (measured figures: docs/TRAINING.md; the reference's speed moves
		// with the CPU as much as jrx's, so only a side-by-side run says)
		fmt.Fprintf(env.stdout, "reference: PyTorch 1.13 on this shape: bench/pytorch_train.py --d %d --layers %d --ffn %d --heads %d --batch %d --seq %d\n"+
			"  (one torch thread, its best; OpenBLAS runs the products on every core); make bench-vs-pytorch\n"+
			"  runs both alternately. The default shape measured 4,400–9,700 tokens/s on 2-core machines.\n",
			r.D, r.Layers, r.FFN, r.Heads, r.Batch, r.Seq)
		return nil
	case "step":
		set, err := engine.Load(*model)
		if err != nil {
			return err
		}
		defer set.Close()
		sm := startSteal()
		if set.Mapped || set.Baseline == nil {
			// A big set: the Reasoner's latent step against the memory
			// bound (docs/SCALE.md).
			lb, err := engine.BenchLatent(ctx, set, *dur)
			if err != nil {
				return err
			}
			steal := sm.pct()
			if *asJSON {
				return writeJSON(env.stdout, struct {
					engine.LatentBench
					CPUStealPct *float64 `json:"cpu_steal_pct,omitempty"`
				}{lb, steal}, false)
			}
			fmt.Fprintf(env.stdout, "latent step (model set %s, %s, %s of weights): p50 %.1f ms, p99 %.1f ms over %d steps; bound %.1f ms at %.1f GB/s streaming read (median of %d rounds), ratio %.2f× (against the run's best pass, %.1f GB/s: %.2f×)\n",
				termsafe.Line(set.Source), lb.DType, fmtGB(lb.WeightBytes), lb.StepMsP50, lb.StepMsP99, lb.Steps, lb.BandwidthBoundMs, lb.BandwidthGBs, lb.Rounds, lb.RatioToBound, lb.BandwidthBestGBs, lb.RatioToBestBound)
			fmt.Fprintf(env.stdout, "prompt of %d tokens read in %.0f ms; read-outs (nearest tokens of %d, mixture) p50 %.1f ms; kernel %s, GOMAXPROCS %d%s\n",
				lb.PromptTokens, lb.PrefillMs, lb.Vocab, lb.ReadoutMsP50, lb.Kernel, lb.GOMAXPROCS, stealNote(steal))
			return nil
		}
		r, err := engine.BenchStep(ctx, set, *dur)
		if err != nil {
			return err
		}
		lb, err := engine.BenchLatent(ctx, set, *dur/4)
		if err != nil {
			return err
		}
		steal := sm.pct()
		if *asJSON {
			return writeJSON(env.stdout, struct {
				engine.StepBench
				Latent      engine.LatentBench `json:"latent"`
				CPUStealPct *float64           `json:"cpu_steal_pct,omitempty"`
			}{r, lb, steal}, false)
		}
		fmt.Fprintf(env.stdout, "engine step (model set %s): p50 %.3f ms, p99 %.3f ms over %d steps in %d sessions; opening a problem (the Reasoner and the baseline read the prompt) p50 %.2f ms; one session %.1f KiB; GOMAXPROCS %d%s\n",
			termsafe.Line(set.Source), r.StepMsP50, r.StepMsP99, r.Steps, r.Sessions, r.NewSessionMsP50, float64(r.SessionBytes)/1024, r.GOMAXPROCS, stealNote(steal))
		return nil
	default:
		return usagef("unknown benchmark %q (matmul, train or step)", what)
	}
}

// fmtGB writes a byte count in GB.
func fmtGB(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/1e9) }
