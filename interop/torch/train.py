#!/usr/bin/env python3
"""Train a jrx model set in PyTorch: the training stages of docs/MODEL.md, under torchrun with DDP.

    torchrun --standalone --nproc_per_node=2 interop/torch/train.py --out DIR            # CPU, gloo
    torchrun --standalone --nproc_per_node=8 interop/torch/train.py --out DIR --device cuda
    python3 interop/torch/train.py --out DIR                                             # one process
    jrx info --model DIR && jrx --model DIR                                              # explore it

Stages (each rank draws its own trees; gradients are averaged by DDP; the
global batch is --batch, split evenly over the ranks):

1. pretrain: token pretraining with the tied head z = h Eᵀ, cross-entropy
   weighted as tasks.MakeBatch weights it (route and EOS × route_weight),
   plus the optional two-ahead head (mtp_weight; dropped afterwards).
2. sst: the Reasoner from the pretrained weights, L2 on, loss k·(1 − cos(r_i,
   Ē[x_{i+1}])) on the route-and-EOS positions; Ē starts as E and after every
   optimiser step Ē ← m·Ē + (1 − m)·E (k = 4, m = 0.98 by default); one
   teacher-forced pass, no gradient into Ē.
   baseline: the coupled Transformer continues stage 1 from the same weights
   for as many steps as SST, with SST's schedule.
3. talkers: Mono- and Dual-Talker trained on the frozen Reasoner's
   free-running latents (what they see at inference), on the same batches.

Optimiser and schedule as in jrx: AdamW (β 0.9/0.95, ε 1e-8, decoupled weight
decay on matrices only), global gradient-norm clipping at 1, linear warm-up
then cosine decay; a step whose gradient norm is not finite is skipped.

Output (rank 0 writes, atomically): reasoner, baseline, mono and dual
.safetensors — jrx's layout, with "recipe" metadata (jrx reads the tree depth
from it) and "eval" (route exact match of every lane on --eval-n fresh leaf
trees); pretrain.safetensors; train_log.json (losses, throughput, world size,
and the largest parameter difference between ranks after training, 0 when DDP
kept them in step). --resume skips the stages whose files exist.

The data is the tree task in jrx's token format (jrx_torch.tree); a stage only
sees batches of (inputs, targets, weights) and latent trajectories, so another
token stream plugs in by writing a class like TreeData.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jrx_torch import (FILE_BASELINE, FILE_DUAL, FILE_MONO, FILE_REASONER, Baseline, DualTalker,  # noqa: E402
                       MonoTalker, Reasoner, ReasonerConfig, TalkerConfig, load, save)
from jrx_torch import safetensors as st  # noqa: E402
from jrx_torch import tree  # noqa: E402

FILE_PRETRAIN = "pretrain.safetensors"
FILE_MTP = "pretrain-mtp.safetensors"
ID_PRETRAIN, ID_SST, ID_BASELINE, ID_TALKER, ID_EVAL = 1, 2, 3, 4, 99


# ---------------------------------------------------------------- recipe

def recipe_defaults(preset, depth):
    """jrx's train.TreeRecipe(depth) (preset "tree") or train.TinyRecipe() (preset "tiny")."""
    r = dict(task="tree", depth=depth, order="shuffled", pretrain_targets="any-depth", route_weight=10.0, batch=64,
             model=dict(d=128, attn=128, heads=4, ffn=512, layers=6, context=64, qk_norm=False, rope_base=10000.0,
                        feedback_scale=1.0, k=4.0, ema=0.98, mtp_weight=1.0),
             pretrain_steps=4000, lr=1e-3, min_lr=1e-4, warmup=200, weight_decay=0.1,
             sst_steps=600, sst_lr=3e-4, sst_warmup=50,
             mono_layers=2, dual_enc_layers=2, dual_dec_layers=2, talker_steps=300, talker_lr=1e-3, talker_batch=64,
             talker_warmup=20, seed=1, final_eval_n=2000, final_eval_seed=20251219)
    if preset == "tiny":
        r["depth"] = 2
        r["model"].update(d=32, attn=32, heads=2, ffn=64, layers=2, context=16)
        r.update(batch=32, talker_batch=32, pretrain_steps=500, sst_steps=150, talker_steps=100, lr=3e-3, min_lr=3e-4,
                 warmup=20, sst_lr=1e-3, talker_lr=3e-3, mono_layers=1, dual_enc_layers=1, dual_dec_layers=1,
                 final_eval_n=200)
        return r
    if depth <= 3:
        r.update(pretrain_steps=2000, sst_steps=400)
    if depth <= 2:
        r.update(pretrain_steps=300, sst_steps=100, talker_steps=100)
        r["model"].update(d=64, attn=64, ffn=256, layers=2)
    return r


def schedule(peak, low, warmup, total):
    """nn.Schedule: linear warm-up over warmup steps, then cosine from peak to low at total."""
    def lr(step):
        if step < warmup:
            return peak * (step + 1) / warmup
        if step >= total or total <= warmup:
            return peak if step < total else low
        prog = (step - warmup) / (total - warmup)
        return low + 0.5 * (1 + math.cos(math.pi * prog)) * (peak - low)
    return lr


# ---------------------------------------------------------------- data

class TreeData:
    """Batches of the tree task for one rank. Every batch depends only on (seed, stage, step, rank)."""

    def __init__(self, recipe, rank, device):
        self.r, self.rank, self.device = recipe, rank, device
        self.depth = recipe["depth"]
        self.T = tree.max_seq_len(self.depth) - 1  # the longest row: a leaf target

    def _rng(self, stage, step):
        return np.random.default_rng([self.r["seed"], stage, step, self.rank])

    def _trees(self, stage, step, n, leaf):
        rng = self._rng(stage, step)
        targets = "leaf" if leaf else self.r["pretrain_targets"]
        return [tree.new_tree(self.depth, rng, self.r["order"], targets) for _ in range(n)]

    def token_batch(self, stage, step, n, leaf=False):
        b = tree.make_batch(self._trees(stage, step, n, leaf), self.T, self.r["route_weight"])
        return {k: torch.from_numpy(v).to(self.device) for k, v in b.items()}

    def talker_batch(self, step, n):
        """Leaf trees: prompts [n, P], answers [n, depth+1] (route, EOS), decoder inputs (BOS, answer[:-1])."""
        trees = self._trees(ID_TALKER, step, n, True)
        prompts = torch.tensor([t.prompt() for t in trees], device=self.device)
        ans = torch.tensor([t.answer() for t in trees], device=self.device)
        dec = torch.cat([torch.full_like(ans[:, :1], tree.BOS), ans[:, :-1]], dim=1)
        return prompts, ans, dec

    def eval_trees(self, n):
        rng = np.random.default_rng([self.r["final_eval_seed"], ID_EVAL, self.rank])
        return [tree.new_tree(self.depth, rng, self.r["order"], "leaf") for _ in range(n)]


# ---------------------------------------------------------------- losses (modules, so DDP can wrap them)

def weighted_ce(logits, targets, w):
    """Σ w_i·CE_i / Σ w_i (nn.CrossEntropyForward)."""
    ce = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
    w = w.flatten()
    return (ce * w).sum() / w.sum().clamp_min(1e-30)


class TokenLoss(nn.Module):
    """Stage 1 (and the baseline's continuation): tied-head CE plus mtp_weight × the two-ahead head."""

    def __init__(self, net, mtp_weight):
        super().__init__()
        self.net, self.mtp_weight = net, mtp_weight
        self.mtp = nn.Parameter(torch.zeros(net.cfg.d, net.cfg.d)) if mtp_weight > 0 else None

    def forward(self, inputs, targets, targets2, w1, w2):
        E = self.net.embed
        h = self.net.hidden(E[inputs])
        loss = weighted_ce(h @ E.t(), targets, w1)
        if self.mtp is None:
            return loss
        return loss + self.mtp_weight * weighted_ce((h @ self.mtp) @ E.t(), targets2, w2)


class SSTLoss(nn.Module):
    """Stage 2: k·(1 − cos(L2(h_i), Ē[x_{i+1}])) weighted by the SST mask; Ē gets no gradient."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, inputs, targets, w):
        r = self.net.latents(inputs)
        t = self.net.target_embed[targets]
        cos = (r * t).sum(-1) / (r.norm(dim=-1).clamp_min(1e-12) * t.norm(dim=-1).clamp_min(1e-12))
        return self.net.cfg.k * ((1 - cos) * w).sum() / w.sum().clamp_min(1e-30)


class MonoLoss(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, lat, ans):
        return F.cross_entropy(self.m(lat).flatten(0, 1), ans.flatten())


class DualLoss(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, lat, dec, ans):
        return F.cross_entropy(self.m(lat, dec).flatten(0, 1), ans.flatten())


# ---------------------------------------------------------------- distributed plumbing

class Dist:
    def __init__(self, args):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        if args.device == "cuda":
            self.device = torch.device("cuda", self.local)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device(args.device)
        if self.world > 1:
            dist.init_process_group(backend=args.backend or ("nccl" if args.device == "cuda" else "gloo"))

    def wrap(self, module):
        if self.world == 1:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        # Ē is a buffer updated identically on every rank: no need to broadcast it each step.
        return nn.parallel.DistributedDataParallel(module, device_ids=ids, broadcast_buffers=False)

    def mean(self, x):
        t = torch.tensor([float(x)], dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
            t /= self.world
        return t.item()

    def sum(self, xs):
        t = torch.tensor(xs, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def barrier(self):
        if self.world > 1:
            dist.barrier()

    def divergence(self, module):
        """max |p − p on rank 0| over the parameters and buffers (0 when the ranks are in step)."""
        flat = torch.cat([t.detach().flatten().double() for t in list(module.parameters()) + list(module.buffers())])
        if self.world == 1:
            return 0.0
        ref = flat.clone()
        dist.broadcast(ref, 0)
        d = (flat - ref).abs().max().reshape(1)
        dist.all_reduce(d, op=dist.ReduceOp.MAX)
        return d.item()


# ---------------------------------------------------------------- the trainer

class Trainer:
    def __init__(self, args, recipe):
        self.a, self.r = args, recipe
        self.d = Dist(args)
        if self.r["batch"] % self.d.world or self.r["talker_batch"] % self.d.world:
            raise SystemExit(f"train: batch {self.r['batch']} / talker batch {self.r['talker_batch']} must split evenly over {self.d.world} processes")
        self.data = TreeData(recipe, self.d.rank, self.d.device)
        self.log = {"world_size": self.d.world, "backend": dist.get_backend() if self.d.world > 1 else None,
                    "device": str(self.d.device), "threads": torch.get_num_threads(), "stages": {}}
        self.recipe_json = json.dumps({**recipe, "trainer": "interop/torch/train.py", "world_size": self.d.world},
                                      separators=(",", ":"))

    def say(self, msg):
        if self.d.rank == 0:
            print(msg, file=sys.stderr, flush=True)

    def path(self, name):
        return os.path.join(self.a.out, name)

    def save(self, model, name, extra=None):
        if self.d.rank == 0:
            save(model, self.path(name), {"recipe": self.recipe_json, **(extra or {})})
        self.d.barrier()

    def have(self, *names):
        return self.a.resume and all(os.path.exists(self.path(n)) for n in names)

    def model_cfg(self, stage):
        m = {k: v for k, v in self.r["model"].items() if k not in ("format", "vocab", "stage", "seed")}
        return ReasonerConfig(vocab=tree.VOCAB, stage=stage, seed=self.r["seed"], **m)

    def talker_cfg(self):
        m = self.r["model"]
        return TalkerConfig(vocab=tree.VOCAB, d=m["d"], attn=m["attn"], heads=m["heads"], ffn=m["ffn"],
                            layers=self.r["mono_layers"], enc_layers=self.r["dual_enc_layers"],
                            dec_layers=self.r["dual_dec_layers"], context=self.r["depth"] + 1,
                            qk_norm=m["qk_norm"], rope_base=m["rope_base"], bos=tree.BOS)

    def adamw(self, modules, lr):
        params = [p for m in modules for p in m.parameters() if p.requires_grad]
        wd = self.r["weight_decay"]
        return torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": wd},
                                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                                 lr=lr, betas=(0.9, 0.95), eps=1e-8)

    def loop(self, name, steps, lr, parts, after=None, tokens_per_step=0):
        """parts: [(ddp_module, optimizer, loss_fn(step) → loss)] stepped together on each step."""
        t0 = time.time()
        first = last = None
        window, skipped = [], 0
        every = max(1, self.a.log_every)
        for step in range(steps):
            losses = []
            for mod, opt, loss_fn in parts:
                for g in opt.param_groups:
                    g["lr"] = lr(step)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(step)
                loss.backward()
                params = [p for g in opt.param_groups for p in g["params"]]
                norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
                if torch.isfinite(norm):
                    opt.step()
                else:
                    skipped += 1
                losses.append(loss.item())
            if after is not None:
                after()
            window.append(sum(losses))
            if (step + 1) % every == 0 or step + 1 == steps:
                m = self.d.mean(sum(window) / len(window))
                first = m if first is None else first
                last = m
                el = time.time() - t0
                self.say(f"{name} step {step + 1}/{steps} loss {m:.4f} lr {lr(step):.3g} "
                         f"{tokens_per_step * self.d.world * (step + 1) / max(el, 1e-9):.0f} tokens/s")
                window = []
        el = time.time() - t0
        self.log["stages"][name] = {"steps": steps, "first_loss": first, "last_loss": last, "seconds": el,
                                    "skipped_steps": skipped,
                                    "tokens_per_s": tokens_per_step * self.d.world * steps / max(el, 1e-9)}

    # -- stage 1
    def pretrain(self):
        r = self.r
        if self.have(FILE_PRETRAIN):
            net = load(self.path(FILE_PRETRAIN), self.d.device)
            tl = TokenLoss(net, r["model"]["mtp_weight"]).to(self.d.device)
            if tl.mtp is not None and os.path.exists(self.path(FILE_MTP)):
                with torch.no_grad():
                    tl.mtp.copy_(torch.from_numpy(st.read(self.path(FILE_MTP)).tensor("mtp")))
            self.say(f"pretrain: loaded {self.path(FILE_PRETRAIN)}")
            return tl
        net = Reasoner(self.model_cfg("init"), with_target=False).init_weights(r["seed"])
        tl = TokenLoss(net, r["model"]["mtp_weight"])
        if tl.mtp is not None:
            gen = torch.Generator().manual_seed(r["seed"] + 1000)
            with torch.no_grad():
                tl.mtp.copy_(torch.randn(tl.mtp.shape, generator=gen) * 0.02)
        tl.to(self.d.device)
        ddp = self.d.wrap(tl)
        n = r["batch"] // self.d.world

        def loss(step):
            b = self.data.token_batch(ID_PRETRAIN, step, n)
            return ddp(b["inputs"], b["targets"], b["targets2"], b["w1"], b["w2"])
        opt = self.adamw([tl], r["lr"])
        self.loop("pretrain", r["pretrain_steps"], schedule(r["lr"], r["min_lr"], r["warmup"], r["pretrain_steps"]),
                  [(ddp, opt, loss)], tokens_per_step=n * self.data.T)
        net.cfg.stage = "pretrain"
        self.save(net, FILE_PRETRAIN)
        if tl.mtp is not None and self.d.rank == 0:
            st.write(self.path(FILE_MTP), [("mtp", tl.mtp.detach().cpu().numpy())], {"format": "jrx-torch-mtp/1"})
        self.d.barrier()
        return tl

    # -- stage 2
    def sst(self, pre):
        r = self.r
        if self.have(FILE_REASONER):
            self.say(f"sst: loaded {self.path(FILE_REASONER)}")
            return load(self.path(FILE_REASONER), self.d.device)
        net = Reasoner(self.model_cfg("sst")).to(self.d.device)
        with torch.no_grad():
            for n_ in pre.net.tensor_names():
                net.tensor(n_).copy_(pre.net.tensor(n_))
        net.reset_target()
        loss_mod = SSTLoss(net)
        ddp = self.d.wrap(loss_mod)
        n = r["batch"] // self.d.world

        def loss(step):
            b = self.data.token_batch(ID_SST, step, n, leaf=True)
            return ddp(b["inputs"], b["targets"], b["wsst"])
        opt = self.adamw([net], r["sst_lr"])
        self.loop("sst", r["sst_steps"], schedule(r["sst_lr"], r["sst_lr"] / 10, r["sst_warmup"], r["sst_steps"]),
                  [(ddp, opt, loss)], after=net.update_target, tokens_per_step=n * self.data.T)
        self.log["ddp_max_divergence_reasoner"] = self.d.divergence(net)
        self.save(net, FILE_REASONER)
        return net

    # -- the coupled baseline: stage 1 continued for as many steps as SST
    def baseline(self, pre):
        r = self.r
        if self.have(FILE_BASELINE):
            self.say(f"baseline: loaded {self.path(FILE_BASELINE)}")
            return load(self.path(FILE_BASELINE), self.d.device)
        net = Baseline(self.model_cfg("baseline"))
        tl = TokenLoss(net, r["model"]["mtp_weight"]).to(self.d.device)
        with torch.no_grad():
            for n_ in net.tensor_names():
                net.tensor(n_).copy_(pre.net.tensor(n_))
            if tl.mtp is not None:
                tl.mtp.copy_(pre.mtp)
        ddp = self.d.wrap(tl)
        n = r["batch"] // self.d.world

        def loss(step):
            b = self.data.token_batch(ID_BASELINE, step, n)
            return ddp(b["inputs"], b["targets"], b["targets2"], b["w1"], b["w2"])
        opt = self.adamw([tl], r["sst_lr"])
        self.loop("baseline", r["sst_steps"], schedule(r["sst_lr"], r["sst_lr"] / 10, r["sst_warmup"], r["sst_steps"]),
                  [(ddp, opt, loss)], tokens_per_step=n * self.data.T)
        self.save(net, FILE_BASELINE)
        return net

    # -- stage 3
    def talkers(self, R):
        r = self.r
        if self.have(FILE_MONO, FILE_DUAL):
            self.say("talkers: loaded")
            return load(self.path(FILE_MONO), self.d.device), load(self.path(FILE_DUAL), self.d.device)
        R.eval()
        for p in R.parameters():
            p.requires_grad_(False)
        mono = MonoTalker(self.talker_cfg()).init_weights(r["seed"] + 1).to(self.d.device)
        dual = DualTalker(self.talker_cfg()).init_weights(r["seed"] + 2).to(self.d.device)
        dm, dd = self.d.wrap(MonoLoss(mono)), self.d.wrap(DualLoss(dual))
        n = r["talker_batch"] // self.d.world
        steps = r["depth"] + 1
        cache = {}

        def batch(step):  # the frozen Reasoner's free-running latents, computed once per step for both Talkers
            if step not in cache:
                cache.clear()
                prompts, ans, dec = self.data.talker_batch(step, n)
                with torch.no_grad():
                    lat = R.free_run(prompts, steps)
                cache[step] = (lat, ans, dec)
            return cache[step]

        def mono_loss(step):
            lat, ans, _ = batch(step)
            return dm(lat, ans)

        def dual_loss(step):
            lat, ans, dec = batch(step)
            return dd(lat, dec, ans)
        lr = schedule(r["talker_lr"], r["talker_lr"] / 10, r["talker_warmup"], r["talker_steps"])
        self.loop("talkers", r["talker_steps"], lr, [(dm, self.adamw([mono], r["talker_lr"]), mono_loss),
                                                     (dd, self.adamw([dual], r["talker_lr"]), dual_loss)],
                  tokens_per_step=n * steps)
        self.save(mono, FILE_MONO)
        self.save(dual, FILE_DUAL)
        return mono, dual

    # -- final evaluation, split over the ranks
    @torch.no_grad()
    def evaluate(self, R, B, mono, dual):
        r = self.r
        n_all = r["final_eval_n"]
        n = n_all // self.d.world + (1 if self.d.rank < n_all % self.d.world else 0)
        t0 = time.time()
        counts = [0.0] * 5
        if n > 0:
            trees = self.data.eval_trees(n)
            prompts = torch.tensor([t.prompt() for t in trees], device=self.d.device)
            steps = r["depth"] + 1
            lat = R.free_run(prompts, steps)
            lanes = [R.nearest(lat), mono.read(lat), dual.decode(lat), B.greedy(prompts, steps)]
            counts[0] = n
            for i, toks in enumerate(lanes):
                counts[i + 1] = float(sum(tree.route_ok(t, row) for t, row in zip(trees, toks.tolist())))
        tot = self.d.sum(counts)
        N = max(tot[0], 1)
        ev = {"n": int(tot[0]), "seed": r["final_eval_seed"], "depth": r["depth"],
              "reasoner_nearest_exact": tot[1] / N, "reasoner_mono_exact": tot[2] / N,
              "reasoner_dual_exact": tot[3] / N, "baseline_exact": tot[4] / N,
              "seconds": time.time() - t0, "trainer": "interop/torch/train.py"}
        self.say("eval: " + json.dumps(ev))
        return ev

    def run(self):
        if self.d.rank == 0:
            os.makedirs(self.a.out, exist_ok=True)
        self.d.barrier()
        t0 = time.time()
        pre = self.pretrain()
        R = self.sst(pre)
        B = self.baseline(pre)
        mono, dual = self.talkers(R)
        for m in (R, B, mono, dual):
            m.eval()
        ev = self.evaluate(R, B, mono, dual) if self.r["final_eval_n"] > 0 else None
        self.log["ddp_max_divergence"] = max(self.d.divergence(m) for m in (R, B, mono, dual))
        extra = {"eval": json.dumps(ev, separators=(",", ":"))} if ev else {}
        R.cfg.stage = "sst"
        for m, f in ((R, FILE_REASONER), (B, FILE_BASELINE), (mono, FILE_MONO), (dual, FILE_DUAL)):
            self.save(m, f, extra)
        self.log["eval"] = ev
        self.log["seconds"] = time.time() - t0
        if self.d.rank == 0:
            tmp = self.path(".train_log.json.tmp")
            with open(tmp, "w") as f:
                json.dump(self.log, f, indent=1)
            os.replace(tmp, self.path("train_log.json"))
        self.say(f"wrote {self.a.out} in {self.log['seconds']:.1f} s; open it with: jrx --model {self.a.out}")
        if self.d.world > 1:
            dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="model-set directory to write")
    ap.add_argument("--preset", choices=["tree", "tiny"], default="tree",
                    help="tree: jrx's TreeRecipe(depth); tiny: jrx's TinyRecipe (depth 2, seconds)")
    ap.add_argument("--depth", type=int, default=4, help="tree levels, 2..4 (preset tree)")
    ap.add_argument("--recipe", help="a JSON file overriding recipe fields (same names as jrx's recipe)")
    for name, typ in (("batch", int), ("talker-batch", int), ("pretrain-steps", int), ("sst-steps", int),
                      ("talker-steps", int), ("lr", float), ("min-lr", float), ("warmup", int), ("sst-lr", float),
                      ("sst-warmup", int), ("talker-lr", float), ("weight-decay", float), ("route-weight", float),
                      ("mono-layers", int), ("dual-enc-layers", int), ("dual-dec-layers", int), ("seed", int),
                      ("final-eval-n", int)):
        ap.add_argument("--" + name, type=typ, help=f"recipe {name.replace('-', '_')}")
    for name, typ in (("d", int), ("attn", int), ("heads", int), ("ffn", int), ("layers", int), ("context", int),
                      ("mtp-weight", float), ("feedback-scale", float)):
        ap.add_argument("--" + name, type=typ, help=f"model {name.replace('-', '_')}")
    ap.add_argument("--qk-norm", action=argparse.BooleanOptionalAction, default=None, help="QK-Norm on/off")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (one GPU per process, LOCAL_RANK)")
    ap.add_argument("--backend", help="torch.distributed backend (default gloo on CPU, nccl on CUDA)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads per process (default: cores / local processes)")
    ap.add_argument("--log-every", type=int, default=50, help="print the mean loss every N steps")
    ap.add_argument("--resume", action="store_true", help="load the stages whose files exist in --out")
    a = ap.parse_args()

    r = recipe_defaults(a.preset, a.depth)
    if a.recipe:
        with open(a.recipe) as f:
            over = json.load(f)
        r["model"].update(over.pop("model", {}))
        r.update(over)
    for k in ("batch", "talker_batch", "pretrain_steps", "sst_steps", "talker_steps", "lr", "min_lr", "warmup", "sst_lr",
              "sst_warmup", "talker_lr", "weight_decay", "route_weight", "mono_layers", "dual_enc_layers",
              "dual_dec_layers", "seed", "final_eval_n"):
        if getattr(a, k) is not None:
            r[k] = getattr(a, k)
    for k in ("d", "attn", "heads", "ffn", "layers", "context", "mtp_weight", "feedback_scale", "qk_norm"):
        if getattr(a, k) is not None:
            r["model"][k] = getattr(a, k)
    if not tree.MIN_DEPTH <= r["depth"] <= tree.MAX_DEPTH:
        raise SystemExit(f"train: depth {r['depth']} out of range {tree.MIN_DEPTH}..{tree.MAX_DEPTH}")
    if r["model"]["context"] < tree.max_seq_len(r["depth"]):
        raise SystemExit(f"train: context {r['model']['context']} is shorter than a depth-{r['depth']} sequence ({tree.max_seq_len(r['depth'])} tokens)")
    try:
        ReasonerConfig(**{**r["model"], "vocab": tree.VOCAB, "format": "jrx-reasoner/1"}).validate()
    except (TypeError, ValueError) as e:
        raise SystemExit(f"train: model: {e}")
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(a.threads or max(1, (os.cpu_count() or 1) // local_world))
    torch.manual_seed(r["seed"])
    Trainer(a, r).run()


if __name__ == "__main__":
    main()
