#!/usr/bin/python3
"""`make bench-vs-pytorch`: jrx bench train and bench/pytorch_train.py, run
alternately (jrx then PyTorch, PyTorch then jrx, jrx then PyTorch, …) --runs
times each on the same shape, then the median tokens/s of each, their ratio and the CPU steal of
every run. Alternating spreads a change in the machine's load over both
sides; the steal says how much of the machine the hypervisor took meanwhile
(figures taken with steal above ~5% are not worth much).

It installs nothing: if torch or numpy is missing it says how to get them
and exits with status 2.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"vs_pytorch: {' '.join(cmd)} failed (status {p.returncode}):\n{p.stderr.strip()}")
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        sys.exit(f"vs_pytorch: {' '.join(cmd)} printed no JSON:\n{p.stdout.strip()}")
    return json.loads(lines[-1])


def busy_cpus(seconds=1.0):
    """How many CPUs' worth of time other processes used over the next
    `seconds` (from /proc/stat: user, nice, system, irq, softirq — not idle,
    iowait or the hypervisor's steal, reported apart), or None. In a
    container /proc/stat is the whole host's."""
    import time

    def ticks():
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        if len(v) < 8:
            return None
        return sum(v), v[3] + v[4] + v[7]

    t0 = ticks()
    time.sleep(seconds)
    t1 = ticks()
    if t0 is None or t1 is None or t1[0] <= t0[0]:
        return None
    return (os.cpu_count() or 1) * (1 - (t1[1] - t0[1]) / (t1[0] - t0[0]))


def loadavg():
    """The 1-minute load average (other processes competing for the cores), or None."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# OpenBLAS cores that mean "this CPU was not recognised": generic x86-64
# kernels (OpenBLAS 0.3.21 takes an Emerald Rapids Xeon, model 207, for a
# Prescott and runs its SSE3 code, a third of its AVX-512 speed).
FALLBACK_CORES = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine",
                  "Northwood", "Banias", "Opteron", "Barcelona", "Bobcat"}


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("flags"):
                    return set(ln.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def openblas_core(python, env):
    """The core type OpenBLAS picks in the PyTorch process (OPENBLAS_VERBOSE=2), or None."""
    e = dict(env, OPENBLAS_VERBOSE="2")
    p = subprocess.run([python, "-c", "import torch"], capture_output=True, text=True, env=e)
    for ln in (p.stdout + p.stderr).splitlines():
        if ln.startswith("Core:"):
            return ln.split(":", 1)[1].strip()
    return None


def pytorch_env(python, jrx_kernel):
    """The environment PyTorch runs in, and a note on what was set and why.

    PyTorch is meant to run at its best on this CPU's instruction set: when
    OpenBLAS does not recognise the CPU and falls back to generic kernels,
    its best kernels for the CPU's flags are named (OPENBLAS_CORETYPE). With
    JRX_KERNEL=avx2 (jrx restricted to AVX2, an AVX2 machine emulated) PyTorch
    is restricted the same way: OpenBLAS's Haswell kernels and ATen's avx2
    code. Variables the caller set are left alone."""
    env = dict(os.environ)
    notes = []
    flags = cpu_flags()
    if jrx_kernel == "avx2":
        if "OPENBLAS_CORETYPE" not in env:
            env["OPENBLAS_CORETYPE"] = "Haswell"
            notes.append("OPENBLAS_CORETYPE=Haswell")
        if "ATEN_CPU_CAPABILITY" not in env:
            env["ATEN_CPU_CAPABILITY"] = "avx2"
            notes.append("ATEN_CPU_CAPABILITY=avx2")
        if notes:
            notes = [f"JRX_KERNEL=avx2: PyTorch restricted to AVX2 as well ({', '.join(notes)})"]
        return env, notes
    if "OPENBLAS_CORETYPE" in env:
        return env, notes
    core = openblas_core(python, env)
    if core in FALLBACK_CORES:
        best = None
        # (the core types jrx's openblas build names for itself; Cooperlake's
        # float32 kernels are SkylakeX's)
        if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags:
            best = "SkylakeX"
        elif {"avx2", "fma"} <= flags:
            best = "Haswell"
        if best:
            env["OPENBLAS_CORETYPE"] = best
            notes.append(f"OpenBLAS did not recognise this CPU and chose its {core} kernels; "
                         f"PyTorch runs with OPENBLAS_CORETYPE={best}, its best for this CPU's instruction set")
    return env, notes


def fmt_steal(s):
    return "?" if s is None else f"{s:.1f}%"


def fmt_busy(r):
    c = r.get("cores_busy")
    return "" if c is None else f"  {c:.2f} cores busy"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jrx", default="bin/jrx", help="the jrx binary (default bin/jrx)")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter with torch (default /usr/bin/python3)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    ap.add_argument("--time", type=float, default=10, help="seconds of timed steps per run (default 10)")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch threads (default 1, its best here)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    a = ap.parse_args()
    if a.runs < 1 or a.time <= 0:
        ap.error("--runs and --time must be positive")

    chk = subprocess.run([a.python, "-c", "import torch, numpy; print(torch.__version__)"], capture_output=True, text=True)
    if chk.returncode != 0:
        print(f"bench-vs-pytorch: {a.python} cannot import torch and numpy, so there is nothing to compare with.\n"
              "Install them yourself (nothing is installed for you), e.g. on Debian or Ubuntu:\n"
              "    sudo apt-get install python3-torch python3-numpy libopenblas0-pthread\n"
              "or point PYTHON at an interpreter that has them: make bench-vs-pytorch PYTHON=/path/to/python3",
              file=sys.stderr)
        sys.exit(2)
    if not os.access(a.jrx, os.X_OK):
        sys.exit(f"vs_pytorch: no jrx binary at {a.jrx} (make build)")

    jrx_cmd = [a.jrx, "bench", "train", "--json", "--time", f"{a.time}s"]
    pt_cmd = [a.python, os.path.join(HERE, "pytorch_train.py"), "--time", str(a.time), "--threads", str(a.threads)]
    pt_env, notes = pytorch_env(a.python, os.environ.get("JRX_KERNEL", ""))
    if not a.json:
        for n in notes:
            print(n, flush=True)
    jr, pt = [], []
    load0 = loadavg()
    busy0 = busy_cpus()
    for i in range(a.runs):
        pair = [("jrx", jrx_cmd, jr, None), ("pytorch", pt_cmd, pt, pt_env)]
        # The order swaps every run: on a VM the second of two back-to-back
        # runs measured ~4% slower (jrx against itself, 8 pairs each way),
        # which a fixed order would always charge to the same side. (With an
        # odd --runs, as the default 3, PyTorch still runs second once more
        # than jrx does.)
        if i % 2:
            pair.reverse()
        for name, cmd, out, env in pair:
            r = run_json(cmd, env)
            out.append(r)
            if not a.json:
                print(f"run {i + 1}/{a.runs} {name:8s} {r['tokens_per_s']:9.0f} tokens/s  steal {fmt_steal(r.get('cpu_steal_pct'))}{fmt_busy(r)}",
                      flush=True)
    mj = statistics.median(r["tokens_per_s"] for r in jr)
    mp = statistics.median(r["tokens_per_s"] for r in pt)
    steals = [r.get("cpu_steal_pct") for r in jr + pt]
    known = [s for s in steals if s is not None]
    res = {
        "jrx_tokens_per_s": [r["tokens_per_s"] for r in jr],
        "pytorch_tokens_per_s": [r["tokens_per_s"] for r in pt],
        "jrx_median": mj, "pytorch_median": mp, "ratio": mj / mp,
        "jrx_cpu_steal_pct": [r.get("cpu_steal_pct") for r in jr],
        "pytorch_cpu_steal_pct": [r.get("cpu_steal_pct") for r in pt],
        "max_cpu_steal_pct": max(known) if known else None,
        "loadavg_1min": [load0, loadavg()], "cpus": os.cpu_count(),
        "busy_cpus_before": busy0,
        "jrx_cores_busy": [r.get("cores_busy") for r in jr],
        "pytorch_cores_busy": [r.get("cores_busy") for r in pt],
        "pytorch_blas_threads": pt[0].get("blas_threads"),
        "jrx_kernel": jr[0].get("kernel"), "jrx_gomaxprocs": jr[0].get("gomaxprocs"),
        "pytorch_threads": pt[0].get("threads"), "torch": pt[0].get("torch"),
        "pytorch_env": {k: pt_env[k] for k in ("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY") if k in pt_env},
        "notes": notes,
        "shape": {k: jr[0].get(k) for k in ("d", "layers", "ffn", "heads", "batch", "seq")},
    }
    if a.json:
        print(json.dumps(res))
        return
    def med_busy(rs):
        v = [r["cores_busy"] for r in rs if r.get("cores_busy") is not None]
        return f", {statistics.median(v):.2f} cores busy" if v else ""

    blas = res["pytorch_blas_threads"]
    blas = "" if blas is None else f", OpenBLAS {blas} thread(s)"
    print(f"median: jrx {mj:.0f} tokens/s ({res['jrx_kernel']}, GOMAXPROCS {res['jrx_gomaxprocs']}{med_busy(jr)}), "
          f"PyTorch {res['torch']} {mp:.0f} tokens/s (torch {res['pytorch_threads']} thread(s){blas}{med_busy(pt)}): "
          f"ratio {mj / mp:.2f}×; CPU steal up to {fmt_steal(res['max_cpu_steal_pct'])}; "
          f"before the runs {'?' if busy0 is None else f'{busy0:.2f}'} of {res['cpus']} CPUs busy")
    busy = busy0 is not None and busy0 > 0.2  # other processes before the first run
    if (known and max(known) >= 5) or busy:
        print("(steal ≥ 5% or other processes running: a busy machine; measure again on a quiet one)")


if __name__ == "__main__":
    main()
