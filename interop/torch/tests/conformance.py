#!/usr/bin/env python3
"""Conformance between jrx_torch (PyTorch) and the jrx binary.

    conformance.py shipped   --jrx BIN --assets DIR    jrx's shipped set, opened in PyTorch
    conformance.py roundtrip --jrx BIN --workdir DIR   a random set made in PyTorch, opened in jrx
    conformance.py set       --jrx BIN --model DIR     any set directory (e.g. train.py's), opened by both

Each case runs ``jrx run --json`` (docs/RUN_JSON.md) on a problem and the same
problem in PyTorch, and compares: the free-running latents (max |Δ| over all
components and steps), the pre-L2 norms (relative), the Reasoner lane (nearest
target-table token), the Mono-Talker's token per step, the Dual-Talker's
greedy decoding of the trajectory up to each step, and the coupled baseline's
greedy tokens. PyTorch computes in float32 (what a user runs) and again in
float64 (a reference: how far jrx's float32 is from exact).

shipped also checks that every shipped file loaded and saved again by
jrx_torch is byte-identical. roundtrip also checks `jrx info` (configs,
parameter counts, depth), that jrx and jrx_torch both reject a checkpoint with
a missing tensor, naming it, and the converter (convert.py) on a foreign
checkpoint built with mappings/linear-fused-qkv-reasoner.json.

The last line of stdout is a JSON report; the exit status is 0 only if every
check passed (latents within --tol, default 1e-4; every token equal).
"""

import argparse
import copy
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from jrx_torch import (FILE_BASELINE, FILE_DUAL, FILE_MONO, FILE_REASONER, Baseline, CheckpointError,  # noqa: E402
                       DualTalker, MonoTalker, Reasoner, ReasonerConfig, TalkerConfig, load, load_set, save,
                       save_set)
from jrx_torch import safetensors as st  # noqa: E402
from jrx_torch import tree  # noqa: E402

FILES = {"reasoner": FILE_REASONER, "baseline": FILE_BASELINE, "mono": FILE_MONO, "dual": FILE_DUAL}
PAPER_PROBLEM = "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K"


class Report:
    def __init__(self, tol):
        self.tol = tol
        self.failures = []
        self.cases = []
        self.checks = {}

    def fail(self, msg):
        self.failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)

    def check(self, name, ok, detail=""):
        self.checks[name] = bool(ok)
        if not ok:
            self.fail(f"{name}: {detail}")

    def summary(self):
        out = {"ok": not self.failures, "tol": self.tol, "failures": self.failures, "checks": self.checks,
               "cases": self.cases}
        for dt in ("float32", "float64"):
            cs = [c[dt] for c in self.cases if dt in c]
            if cs:
                out[dt] = {
                    "max_abs_dlatent": max(c["max_abs_dlatent"] for c in cs),
                    "max_rel_dprenorm": max(c["max_rel_dprenorm"] for c in cs),
                    "tokens_agree": sum(c["tokens_agree"] for c in cs),
                    "tokens_total": sum(c["tokens_total"] for c in cs),
                }
        return out


def jrx(binary, *args, expect_ok=True):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)
    if expect_ok and p.returncode != 0:
        raise RuntimeError(f"{binary} {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def jrx_run(binary, model_dir, seed=None, prompt=None):
    args = ["run", "--json"]
    if model_dir:
        args += ["--model", model_dir]
    args += ["--seed", str(seed)] if prompt is None else ["--prompt", prompt]
    objs = [json.loads(l) for l in jrx(binary, *args).stdout.splitlines() if l.strip()]
    steps = [o for o in objs if o.get("type") == "step"]
    summary = [o for o in objs if o.get("type") == "summary"]
    if len(summary) != 1 or not steps:
        raise RuntimeError(f"jrx {' '.join(args)}: expected steps and one summary")
    return steps, summary[0]


def step_lane(step, name):
    """A lane's entry in a step object (jrx run --json schema 2: "lanes")."""
    for l in step["lanes"]:
        if l["lane"] == name:
            return l
    raise RuntimeError(f"no lane {name!r} in jrx's step {step['step']}")


def lane(summary, name):
    for l in summary["lanes"]:
        if l["name"] == name:
            return l["tokens"]
    raise RuntimeError(f"no lane {name!r} in jrx's summary")


def compare(models, steps, summary, dtype):
    """One case in one dtype: PyTorch against jrx's step objects and summary."""
    R, B, M, D = (models[k] for k in ("reasoner", "baseline", "mono", "dual"))
    prompt = tree.parse_problem(summary["problem"])
    T = len(steps)
    with torch.no_grad():
        lat, norms = R.free_run(prompt, T, return_norms=True)
        jl = torch.tensor([s["latent"] for s in steps], dtype=torch.float64)
        jn = torch.tensor([s["pre_norm"] for s in steps], dtype=torch.float64)
        dlat = (lat[0].double() - jl).abs().max().item()
        dnorm = ((norms[0].double() - jn).abs() / jn.abs()).max().item()
        got = {
            "reasoner": R.nearest(lat)[0].tolist(),
            "mono": M.read(lat)[0].tolist(),
            "dual_steps": [D.decode(lat[:, :t])[0].tolist() for t in range(1, T + 1)],
            "baseline": B.greedy(prompt, T)[0].tolist(),
        }
    want = {
        "reasoner": lane(summary, "reasoner"),
        "mono": [step_lane(s, "mono")["token"] for s in steps],
        "dual_steps": [step_lane(s, "dual")["so_far"] for s in steps],
        "baseline": lane(summary, "baseline"),
    }
    agree = total = 0
    mism = {}
    for k in want:
        a = [x for row in got[k] for x in row] if k == "dual_steps" else got[k]
        b = [x for row in want[k] for x in row] if k == "dual_steps" else want[k]
        n = sum(int(x == y) for x, y in zip(a, b)) if len(a) == len(b) else 0
        agree += n
        total += len(b)
        if n != len(b):
            mism[k] = {"torch": got[k], "jrx": want[k]}
    return {"max_abs_dlatent": dlat, "max_rel_dprenorm": dnorm, "tokens_agree": agree, "tokens_total": total,
            "mismatches": mism}


def run_cases(rep, binary, model_dir, models, cases):
    by_dtype = {torch.float32: models, torch.float64: {k: copy.deepcopy(m).double() for k, m in models.items()}}
    for name, seed, prompt in cases:
        steps, summary = jrx_run(binary, model_dir, seed=seed, prompt=prompt)
        case = {"name": name, "problem": summary["problem"], "steps": len(steps),
                "truth_route_correct": lane(summary, "mono") == summary["truth"]}
        for dt in (torch.float32, torch.float64):
            c = compare(by_dtype[dt], steps, summary, dt)
            key = str(dt).replace("torch.", "")
            case[key] = c
            rep.check(f"{name} {key} latents", c["max_abs_dlatent"] <= rep.tol,
                      f"max |Δ latent| {c['max_abs_dlatent']:.3g} > {rep.tol}")
            rep.check(f"{name} {key} tokens", c["tokens_agree"] == c["tokens_total"],
                      f"{c['tokens_agree']}/{c['tokens_total']} tokens agree: {c['mismatches']}")
        rep.cases.append(case)
        print(f"{name}: {summary['problem']} steps {len(steps)}  "
              f"f32 max|Δlat| {case['float32']['max_abs_dlatent']:.3g} tokens {case['float32']['tokens_agree']}/{case['float32']['tokens_total']}  "
              f"f64 max|Δlat| {case['float64']['max_abs_dlatent']:.3g}", file=sys.stderr)


# ---------------------------------------------------------------- shipped

def shipped(a, rep):
    """jrx's shipped set (the binary's embedded set, whose files are --assets); with mode set,
    any model-set directory --model (e.g. one train.py wrote), opened by both."""
    src = a.model if a.mode == "set" else a.assets
    models = load_set(src)
    model_dir = a.model if a.mode == "set" else None
    depth = len(jrx_run(a.jrx, model_dir, seed=1)[0]) - 1
    with tempfile.TemporaryDirectory() as d:
        for key, fname in FILES.items():
            out = os.path.join(d, fname)
            save(models[key], out)
            rep.check(f"byte-identical {fname}", filecmp.cmp(out, os.path.join(src, fname), shallow=False),
                      "loaded and saved again, the file differs")
    rng = np.random.default_rng(20251219)
    own = tree.new_tree(depth, rng).problem()
    cases = [(f"seed {s}", s, None) for s in a.seeds] + [("paper example", None, PAPER_PROBLEM),
                                                           ("numpy tree", None, own)]
    if depth != 4:
        cases = cases[:-2] + cases[-1:]
    run_cases(rep, a.jrx, model_dir, models, cases)


# ---------------------------------------------------------------- roundtrip

def random_set(depth, seed):
    with open(os.path.join(ROOT, "mappings", "linear-fused-qkv-reasoner.json")) as f:
        rcfg = ReasonerConfig(**json.load(f)["config"])
    R = Reasoner(rcfg).init_weights(seed)
    gen = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():  # an EMA table that is not a copy of E, as after SST
        R.target_embed.add_(0.01 * torch.randn(R.target_embed.shape, generator=gen))
    B = Baseline(ReasonerConfig(d=48, attn=32, heads=2, ffn=64, layers=2, context=32, qk_norm=False,
                                rope_base=10000, mtp_weight=1)).init_weights(seed + 1)
    tc = dict(vocab=33, d=48, attn=32, heads=2, ffn=80, context=depth + 1, qk_norm=True, rope_base=500, bos=tree.BOS)
    M = MonoTalker(TalkerConfig(layers=2, **tc)).init_weights(seed + 2)
    D = DualTalker(TalkerConfig(enc_layers=1, dec_layers=2, **tc)).init_weights(seed + 3)
    return {"reasoner": R, "baseline": B, "mono": M, "dual": D}


def interleaved_rope(x, base):
    """RoPE on pairs (2i, 2i+1) of x [B, H, T, dh] (the layout convert.py's "rope": "interleaved" undoes)."""
    T, dh = x.shape[-2], x.shape[-1]
    theta = base ** (-2.0 * torch.arange(dh // 2, dtype=torch.float64) / dh)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * theta[None]
    c, s = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2], out[..., 1::2] = a * c - b * s, a * s + b * c
    return out


def write_half(path, sd, dtype, tdt):
    """A safetensors file of sd's tensors in dtype (F16 or BF16), written by hand."""
    hdr, blobs, off = {}, [], 0
    for n, t in sd.items():
        b = t.detach().to(tdt).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
        hdr[n] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(hdr).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def check_converter(a, rep, R, work):
    """Build a foreign checkpoint (nn.Linear orientation, fused QKV, interleaved rotary pairs,
    other names) from R, convert it back with the example mapping, compare."""
    from jrx_torch.model import qk_norm, rope, rope_tables
    heads, A = R.cfg.heads, R.cfg.attn
    dh = A // heads
    # column c of the jrx layout (pairs (i, i+dh/2)) is column inv[c] of the interleaved layout
    to_inter = np.concatenate([h * dh + np.stack([np.arange(dh // 2), np.arange(dh // 2, dh)], 1).reshape(-1)
                               for h in range(heads)])
    sd = {"tok_emb.weight": R.embed.detach().clone(), "ln_f.weight": R.final_norm.detach().clone(),
          "ema_emb.weight": R.target_embed.clone()}
    for l, b in enumerate(R.blocks):
        wq, wk = b.wq.detach()[:, to_inter], b.wk.detach()[:, to_inter]
        sd[f"h.{l}.attn.qkv.weight"] = torch.cat([wq.t(), wk.t(), b.wv.detach().t()], 0).contiguous()
        sd[f"h.{l}.attn.proj.weight"] = b.wo.detach().t().contiguous()
        sd[f"h.{l}.ln_1.weight"] = b.norm1.detach().clone()
        sd[f"h.{l}.ln_2.weight"] = b.norm2.detach().clone()
        sd[f"h.{l}.mlp.fc.weight"] = b.w1.detach().t().contiguous()
        sd[f"h.{l}.mlp.proj.weight"] = b.w2.detach().t().contiguous()
        sd[f"h.{l}.attn.rope_cache"] = torch.zeros(3)
    src = os.path.join(work, "foreign.pt")
    torch.save(sd, src)
    out = os.path.join(work, "converted.safetensors")
    mapping = os.path.join(ROOT, "mappings", "linear-fused-qkv-reasoner.json")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "convert.py"), "--mapping", mapping, "--out", out, src],
                       capture_output=True, text=True)
    rep.check("convert.py exits 0", p.returncode == 0, p.stderr)
    if p.returncode != 0:
        return
    C = load(out)
    same = all(torch.equal(C.tensor(n), R.tensor(n)) for n in R.tensor_names())
    rep.check("converted tensors equal the original", same and C.cfg.to_json() == R.cfg.to_json(),
              "converted model differs")
    # The same foreign checkpoint as F16 and BF16 safetensors: widened exactly.
    for dt, tdt in (("F16", torch.float16), ("BF16", torch.bfloat16)):
        path = os.path.join(work, f"foreign-{dt}.safetensors")
        write_half(path, sd, dt, tdt)
        outh = os.path.join(work, f"converted-{dt}.safetensors")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "convert.py"), "--mapping", mapping, "--out", outh, path],
                           capture_output=True, text=True)
        ok = p.returncode == 0
        if ok:
            Ch = load(outh)
            ok = all(torch.equal(Ch.tensor(n), R.tensor(n).detach().to(tdt).float()) for n in R.tensor_names())
        rep.check(f"convert.py reads {dt} exactly", ok, p.stderr)
    # The interleaved layout with interleaved RoPE gives the same attention scores as jrx's.
    x = torch.randn(1, 9, R.cfg.d, generator=torch.Generator().manual_seed(5))
    b0 = R.blocks[0]
    qkv = sd["h.0.attn.qkv.weight"]
    def heads_of(y):
        return y.view(1, 9, heads, dh).transpose(1, 2)
    qf = interleaved_rope(qk_norm(heads_of(x @ qkv[:A].t())), R.cfg.rope_base)
    kf = interleaved_rope(qk_norm(heads_of(x @ qkv[A:2 * A].t())), R.cfg.rope_base)
    cs = rope_tables(9, dh, R.cfg.rope_base, torch.float32, "cpu")
    qj = rope(qk_norm(heads_of(x @ b0.wq.detach())), *cs)
    kj = rope(qk_norm(heads_of(x @ b0.wk.detach())), *cs)
    ds = ((qf @ kf.transpose(-1, -2)) - (qj @ kj.transpose(-1, -2))).abs().max().item()
    rep.checks["interleaved_rope_max_abs_dscore"] = ds
    rep.check("interleaved RoPE scores equal jrx's after conversion", ds < 1e-4, f"max |Δ score| {ds}")
    # A mapping that forgets a tensor is refused, naming it.
    with open(mapping) as f:
        m = json.load(f)
    del m["tensors"]["blocks.{l}.w2"]
    bad = os.path.join(work, "bad-mapping.json")
    with open(bad, "w") as f:
        json.dump(m, f)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "convert.py"), "--mapping", bad, "--out",
                        os.path.join(work, "bad.safetensors"), src], capture_output=True, text=True)
    rep.check("convert.py refuses an incomplete mapping, naming the tensor",
              p.returncode != 0 and "blocks.0.w2" in p.stderr and not os.path.exists(os.path.join(work, "bad.safetensors")),
              p.stderr)


def roundtrip(a, rep):
    """A random set made in PyTorch, opened in jrx (in --workdir, or a temporary directory)."""
    if not a.workdir:
        with tempfile.TemporaryDirectory(prefix="jrx-torch-") as work:
            return roundtrip_in(a, rep, work)
    os.makedirs(a.workdir, exist_ok=True)
    return roundtrip_in(a, rep, a.workdir)


def roundtrip_in(a, rep, work):
    depth = 3
    d = os.path.join(work, "set")
    models = random_set(depth, a.seed)
    recipe = {"task": "tree", "depth": depth, "trainer": "interop/torch/tests/conformance.py (random weights)"}
    save_set(d, models["reasoner"], models["baseline"], models["mono"], models["dual"], meta={"recipe": recipe})

    info = json.loads(jrx(a.jrx, "info", "--model", d, "--json").stdout)
    rep.check("jrx info depth", info["depth"] == depth, f"jrx reads depth {info['depth']}")
    for mi in info["models"]:
        key = [k for k, f in FILES.items() if f == mi["file"]][0]
        m = models[key]
        rep.check(f"jrx info {mi['file']} params", mi["params"] == m.num_params(), f"jrx {mi['params']}, torch {m.num_params()}")
        rep.check(f"jrx info {mi['file']} config", mi["config"] == json.loads(m.cfg.to_json()),
                  f"jrx {mi['config']} torch {m.cfg.to_json()}")

    # Saved, loaded and saved again: the same bytes.
    again = load_set(d)
    d2 = os.path.join(work, "set-again")
    os.makedirs(d2, exist_ok=True)
    for key, fname in FILES.items():
        save(again[key], os.path.join(d2, fname))
        rep.check(f"reload byte-identical {fname}", filecmp.cmp(os.path.join(d, fname), os.path.join(d2, fname), shallow=False))

    rng = np.random.default_rng(a.seed)
    cases = [(f"seed {s}", s, None) for s in a.seeds] + [("numpy tree", None, tree.new_tree(depth, rng).problem())]
    run_cases(rep, a.jrx, d, models, cases)

    # Both loaders refuse a Reasoner file without blocks.0.wq, naming it.
    bad = os.path.join(work, "bad-set")
    os.makedirs(bad, exist_ok=True)
    for fname in FILES.values():
        with open(os.path.join(d, fname), "rb") as f, open(os.path.join(bad, fname), "wb") as g:
            g.write(f.read())
    R = models["reasoner"]
    f = st.read(os.path.join(d, FILE_REASONER))
    st.write(os.path.join(bad, FILE_REASONER), [(n, f.tensor(n)) for n in f.names() if n != "blocks.0.wq"], f.meta)
    p = jrx(a.jrx, "info", "--model", bad, expect_ok=False)
    rep.check("jrx refuses a missing tensor, naming it", p.returncode != 0 and "blocks.0.wq" in p.stderr, p.stderr)
    try:
        load(os.path.join(bad, FILE_REASONER))
        rep.check("jrx_torch refuses a missing tensor, naming it", False, "loaded")
    except CheckpointError as e:
        rep.check("jrx_torch refuses a missing tensor, naming it", "blocks.0.wq" in str(e), str(e))

    check_converter(a, rep, R, work)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["shipped", "set", "roundtrip"])
    ap.add_argument("--jrx", required=True, help="the jrx binary")
    ap.add_argument("--assets", default=os.path.join(ROOT, "..", "..", "assets", "default"), help="shipped set (shipped)")
    ap.add_argument("--model", help="a model-set directory (set)")
    ap.add_argument("--workdir", help="where roundtrip writes its model set (default: a new temporary directory)")
    ap.add_argument("--seeds", default="1,2,3,4,5", help="jrx run --seed values")
    ap.add_argument("--seed", type=int, default=7, help="weights seed (roundtrip)")
    ap.add_argument("--tol", type=float, default=1e-4, help="max |Δ latent| allowed")
    a = ap.parse_args()
    a.seeds = [int(s) for s in a.seeds.split(",") if s]
    torch.set_num_threads(1)
    rep = Report(a.tol)
    if a.mode == "set" and not a.model:
        ap.error("set needs --model DIR")
    (roundtrip if a.mode == "roundtrip" else shipped)(a, rep)
    out = rep.summary()
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
