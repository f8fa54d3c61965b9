#!/usr/bin/env python3
"""jrx_torch and train.py's losses against testdata/model_vectors.json.

The vectors (float64) were computed from docs/MODEL.md by an implementation
independent of jrx and of this package: tiny Reasoner, Mono-Talker and
Dual-Talker with QK-Norm on and rotary base 10000, their outputs, losses and
the gradient of every trained tensor. This script builds the same models in
float64, runs the forward passes and train.py's loss modules (TokenLoss
without the two-ahead head = mean CE over all positions, SSTLoss, MonoLoss,
DualLoss), back-propagates with autograd, and compares. The error of a tensor
is max |torch − vector| / max(max |vector|, 1e-30); the last stdout line is
a JSON report and the exit status is 0 only if every error is ≤ --tol.

    vectors.py [--vectors testdata/model_vectors.json] [--tol 1e-9]
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from jrx_torch import DualTalker, MonoTalker, Reasoner, ReasonerConfig, TalkerConfig  # noqa: E402
from train import DualLoss, MonoLoss, SSTLoss, TokenLoss  # noqa: E402


def as_tensor(v):
    if isinstance(v, dict):
        return torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"])
    return torch.tensor(v, dtype=torch.float64)


def fill(model, params):
    names = set(model.tensor_names())
    if names != set(params):
        raise SystemExit(f"vectors: tensors differ: only model {sorted(names - set(params))}, only vectors {sorted(set(params) - names)}")
    with torch.no_grad():
        for n, t in params.items():
            model.tensor(n).copy_(as_tensor(t))


def err(got, want):
    got, want = got.detach().double().reshape(want.shape), want
    return ((got - want).abs().max() / want.abs().max().clamp_min(1e-30)).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", default=os.path.join(ROOT, "..", "..", "testdata", "model_vectors.json"))
    ap.add_argument("--tol", type=float, default=1e-9)
    a = ap.parse_args()
    with open(a.vectors) as f:
        cases = json.load(f)["cases"]
    errs = {}

    # Reasoner: forward values, CE and SST losses, their gradients, free-running latents.
    c = cases["reasoner"]
    cfg = c["config"]
    R = Reasoner(ReasonerConfig(vocab=cfg["vocab"], d=cfg["d"], attn=cfg["attn"], heads=cfg["heads"], ffn=cfg["ffn"],
                                layers=cfg["layers"], context=cfg["context"], qk_norm=True, rope_base=10000,
                                feedback_scale=cfg["feedback_scale"], k=cfg["k"])).double()
    fill(R, c["params"])
    ins, outs = c["inputs"], c["outputs"]
    tok = torch.tensor([ins["tokens"]])
    tgt = torch.tensor([ins["targets"]])
    mask = torch.tensor([ins["sst_mask"]], dtype=torch.float64)
    with torch.no_grad():
        h = R.hidden(R.embed[tok])
        errs["reasoner.h"] = err(h[0], as_tensor(outs["h"]))
        errs["reasoner.latents"] = err(R.latents(tok)[0], as_tensor(outs["latents"]))
        errs["reasoner.logits"] = err(R.token_logits(tok)[0], as_tensor(outs["logits"]))
        errs["reasoner.free_latents"] = err(R.free_run(ins["free_prompt"], ins["free_steps"])[0], as_tensor(outs["free_latents"]))
    ones = torch.ones_like(mask)
    for kind, loss_fn, grads in (
            ("ce", lambda: TokenLoss(R, 0.0)(tok, tgt, tgt, ones, ones), c["grads_ce"]),
            ("sst", lambda: SSTLoss(R)(tok, tgt, mask), c["grads_sst"])):
        R.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        errs[f"reasoner.{kind}_loss"] = err(loss, as_tensor(outs[f"{kind}_loss"]))
        for n, g in grads.items():
            p = R.tensor(n)
            errs[f"reasoner.grad_{kind}.{n}"] = err(p.grad if p.grad is not None else torch.zeros_like(p), as_tensor(g))

    # Mono-Talker.
    c = cases["mono_talker"]
    cfg = c["config"]
    M = MonoTalker(TalkerConfig(vocab=cfg["vocab"], d=cfg["d"], attn=cfg["attn"], heads=cfg["heads"], ffn=cfg["ffn"],
                                layers=cfg["layers"], context=cfg["context"], qk_norm=True, rope_base=10000)).double()
    fill(M, c["params"])
    lat = as_tensor(c["inputs"]["latents"])[None]
    tgt = torch.tensor([c["inputs"]["targets"]])
    errs["mono.logits"] = err(M(lat)[0], as_tensor(c["outputs"]["logits"]))
    loss = MonoLoss(M)(lat, tgt)
    loss.backward()
    errs["mono.ce_loss"] = err(loss, as_tensor(c["outputs"]["ce_loss"]))
    for n, g in c["grads_ce"].items():
        errs[f"mono.grad.{n}"] = err(M.tensor(n).grad, as_tensor(g))

    # Dual-Talker.
    c = cases["dual_talker"]
    cfg = c["config"]
    D = DualTalker(TalkerConfig(vocab=cfg["vocab"], d=cfg["d"], attn=cfg["attn"], heads=cfg["heads"], ffn=cfg["ffn"],
                                enc_layers=cfg["enc_layers"], dec_layers=cfg["dec_layers"], context=cfg["context"],
                                bos=cfg["bos"], qk_norm=True, rope_base=10000)).double()
    fill(D, c["params"])
    lat = as_tensor(c["inputs"]["latents"])[None]
    dec = torch.tensor([c["inputs"]["decoder_tokens"]])
    tgt = torch.tensor([c["inputs"]["targets"]])
    errs["dual.memory"] = err(D.memory(lat)[0], as_tensor(c["outputs"]["memory"]))
    errs["dual.logits"] = err(D(lat, dec)[0], as_tensor(c["outputs"]["logits"]))
    loss = DualLoss(D)(lat, dec, tgt)
    loss.backward()
    errs["dual.ce_loss"] = err(loss, as_tensor(c["outputs"]["ce_loss"]))
    for n, g in c["grads_ce"].items():
        errs[f"dual.grad.{n}"] = err(D.tensor(n).grad, as_tensor(g))

    bad = {k: v for k, v in errs.items() if not v <= a.tol}
    for k, v in bad.items():
        print(f"FAIL: {k}: relative error {v:.3g} > {a.tol}", file=sys.stderr)
    worst = max(errs, key=errs.get)
    print(f"{len(errs)} tensors compared; worst {worst} {errs[worst]:.3g}", file=sys.stderr)
    print(json.dumps({"ok": not bad, "tol": a.tol, "compared": len(errs), "max_rel_err": errs[worst], "worst": worst,
                      "failures": sorted(bad)}))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
