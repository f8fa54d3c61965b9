#!/usr/bin/python3
"""The reference for `jrx bench train`: the same training step in PyTorch.

What `jrx bench train` (train.BenchTrain) times, step for step:
- the token network of stage 1 without the two-ahead head (BenchTrain builds
  it with latent.New(cfg, false, false) and passes no second targets): the
  embedding E, d 128, 6 pre-norm blocks (RMSNorm, causal attention with 4
  heads and RoPE, no QK-Norm; RMSNorm, FFN 512 with tanh-GELU), the final
  RMSNorm and the tied head z = h·Eᵀ: jrx_torch.Reasoner (interop/torch,
  docs/MODEL.md line by line, checked against jrx by its conformance tests);
- one batch of 64 depth-4 leaf-target trees padded to 51 tokens
  (tasks.MakeBatch with route weight 1), drawn once and reused every step;
- the loss Σ w·CE / Σ w (nn.CrossEntropyForward), backward, global
  gradient-norm clipping at 1 and AdamW (β 0.9/0.95, ε 1e-8, weight decay 0.1
  on matrices only, lr 1e-4), as nn.AdamW with DefaultAdamWConfig;
- two warm-up steps, then steps until --time seconds have passed (at least
  3); tokens/s = steps × 64 × 51 / seconds, padding included, as jrx counts.

It prints one JSON object. cpu_steal_pct is the share of the machine's CPU
time the hypervisor took during the timed steps, read from /proc/stat the
way jrx bench does (cmd/jrx/steal.go). threads is torch's own thread count
(torch.set_num_threads); OpenBLAS, which runs the matrix products, keeps its
own pool (OPENBLAS_NUM_THREADS, default: one a core): blas_threads says how
many it has, and cores_busy the process's CPU time over the timed seconds —
with --threads 1 on a 2-core machine the products still run on both cores
(cores_busy 1.97–1.99 measured), and that is PyTorch's fastest setting for this shape
(OPENBLAS_NUM_THREADS=1 is slower; --threads 2 is slower still).

Needs torch and numpy (Debian: apt-get install python3-torch). Run it with
the interpreter that has them, e.g. /usr/bin/python3 bench/pytorch_train.py.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop", "torch"))

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # say what is missing instead of a traceback
    sys.exit(f"pytorch_train.py: {e.name} is not installed for {sys.executable} "
             "(Debian: apt-get install python3-torch python3-numpy)")

from jrx_torch import ReasonerConfig, Reasoner  # noqa: E402
from jrx_torch import tree  # noqa: E402


def cpu_ticks():
    """(total, steal) of the aggregate cpu line of /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    try:
        vals = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    except ValueError:
        return None
    return sum(vals), vals[7]


def blas_threads():
    """(library path, thread count) of the OpenBLAS loaded in this process, or (None, None)."""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            paths = {ln.split()[-1] for ln in f if "blas" in ln and ln.split()[-1].startswith("/")}
    except OSError:
        return None, None
    for path in sorted(paths):
        try:
            fn = ctypes.CDLL(path).openblas_get_num_threads
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_int
        return path, fn()
    return None, None


def steal_pct(start, end):
    if start is None or end is None or end[0] <= start[0]:
        return None
    return 100.0 * (end[1] - start[1]) / (end[0] - start[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=float, default=10.0, help="seconds of timed steps (default 10, as jrx bench train)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1, PyTorch 1.13's fastest for this shape; OpenBLAS keeps its own "
                         "threads, OPENBLAS_NUM_THREADS, default one a core)")
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq", type=int, default=51)
    a = ap.parse_args()
    if a.threads < 1 or a.time <= 0:
        ap.error("--threads and --time must be positive")

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cfg = ReasonerConfig(vocab=tree.VOCAB, d=a.d, attn=a.d, heads=a.heads, ffn=a.ffn, layers=a.layers,
                         context=max(a.seq, 2))
    net = Reasoner(cfg, with_target=False).init_weights(1)

    rng = np.random.default_rng(1)
    trees = [tree.new_tree(4, rng, targets="leaf") for _ in range(a.batch)]
    b = tree.make_batch(trees, T=max(a.seq, tree.max_seq_len(4) - 1), route_weight=1.0)
    inputs = torch.from_numpy(b["inputs"])
    targets = torch.from_numpy(b["targets"])
    w1 = torch.from_numpy(b["w1"])
    B, T = inputs.shape

    params = list(net.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
                             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8)

    def step():
        opt.zero_grad(set_to_none=False)
        logits = net.token_logits(inputs)
        ce = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
        w = w1.flatten()
        loss = (ce * w).sum() / w.sum().clamp_min(1e-30)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss

    step()  # warm-up, as BenchTrain
    step()
    t0 = cpu_ticks()
    cpu0 = time.process_time()
    start = time.perf_counter()
    steps = 0
    while True:
        loss = step()
        steps += 1
        el = time.perf_counter() - start
        if el >= a.time and steps >= 3:
            break
    t1 = cpu_ticks()
    cpu = time.process_time() - cpu0
    lib, nblas = blas_threads()
    out = {
        "impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "d": a.d, "layers": a.layers, "ffn": a.ffn, "heads": a.heads, "batch": B, "seq": T,
        "steps": steps, "seconds": el, "tokens_per_s": steps * B * T / el, "loss": float(loss),
        "cpu_seconds": cpu, "cores_busy": cpu / el, "blas_threads": nblas, "blas_lib": lib,
    }
    s = steal_pct(t0, t1)
    if s is not None:
        out["cpu_steal_pct"] = s
    print(json.dumps(out))


if __name__ == "__main__":
    main()
