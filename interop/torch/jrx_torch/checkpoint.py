"""Save and load jrx checkpoints (one .safetensors per model) and model-set directories.

A checkpoint holds exactly the tensors of its model, named and shaped as in
docs/MODEL.md ("Checkpoints"), float32, matrices in×out, and in its
``__metadata__``: "format" (the format tag), "config" (the config JSON) and
any extra entries (jrx writes "recipe", whose "depth" tells jrx the tree
depth, and "eval"). ``load`` is as strict as jrx's loader: it rejects a wrong
format, a config jrx would reject, a non-F32 tensor, missing, unknown or
misshapen tensors, with an error naming the tensor.
"""

import json
import os

import numpy as np
import torch

from . import safetensors as st
from .config import FORMAT_DUAL, FORMAT_MONO, FORMAT_REASONER, ReasonerConfig, TalkerConfig
from .model import Baseline, DualTalker, MonoTalker, Reasoner

# File names inside a model-set directory (engine/modelset.go).
FILE_REASONER = "reasoner.safetensors"
FILE_BASELINE = "baseline.safetensors"
FILE_MONO = "mono.safetensors"
FILE_DUAL = "dual.safetensors"


class CheckpointError(ValueError):
    """A checkpoint that jrx would not open (the message names the file and the tensor)."""


def save(model, path, meta=None):
    """Write model as a jrx checkpoint at path, atomically.

    meta: extra metadata entries (str → str) stored beside "format" and
    "config"; None keeps the extra entries the model was loaded with (so a
    jrx file loaded and saved again is byte-identical).
    """
    if meta is None:
        meta = {k: v for k, v in getattr(model, "meta", {}).items() if k not in ("format", "config")}
    cfg = model.cfg
    cfg.validate()
    if isinstance(model, Baseline) and cfg.stage != "baseline":
        raise CheckpointError("a Baseline must have stage \"baseline\" (jrx refuses it otherwise)")
    m = {k: (v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))) for k, v in meta.items()}
    m["format"] = cfg.format
    m["config"] = cfg.to_json()
    tensors = [(n, model.tensor(n).detach().to("cpu", torch.float32).numpy()) for n in model.tensor_names()]
    st.write(path, tensors, m)


def _model_for(f, name):
    raw = f.meta.get("config")
    if raw is None:
        raise CheckpointError(f"{name}: no \"config\" in the metadata (not a jrx checkpoint?)")
    try:
        fmt = json.loads(raw).get("format")
    except (json.JSONDecodeError, AttributeError):
        raise CheckpointError(f"{name}: config metadata is not a JSON object") from None
    try:
        if fmt == FORMAT_REASONER:
            cfg = ReasonerConfig.from_json(raw, name).validate()
            if "target_embed" in f:
                return Reasoner(cfg, with_target=True)
            return Baseline(cfg) if cfg.stage == "baseline" else Reasoner(cfg, with_target=False)
        if fmt == FORMAT_MONO:
            return MonoTalker(TalkerConfig.from_json(raw, name).validate())
        if fmt == FORMAT_DUAL:
            return DualTalker(TalkerConfig.from_json(raw, name).validate())
    except ValueError as e:
        raise CheckpointError(f"{name}: {e}") from None
    raise CheckpointError(f"{name}: unknown format {fmt!r} (want {FORMAT_REASONER}, {FORMAT_MONO} or {FORMAT_DUAL})")


def check_tensors(have, want, name):
    """Compare {tensor: shape} maps; raise listing missing, unknown and misshapen tensors."""
    probs = []
    for n in sorted(set(want) - set(have)):
        probs.append(f"missing tensor {n!r} (expected shape {list(want[n])})")
    for n in sorted(set(have) - set(want)):
        probs.append(f"unknown tensor {n!r} (shape {list(have[n])}) not expected")
    for n in sorted(set(want) & set(have)):
        if tuple(have[n]) != tuple(want[n]):
            probs.append(f"tensor {n!r}: wrong shape: expected {list(want[n])}, got {list(have[n])}")
    if probs:
        more = f"\n... and {len(probs) - 10} more problems" if len(probs) > 10 else ""
        raise CheckpointError("\n".join(f"{name}: {p}" for p in probs[:10]) + more)


def load(path, device="cpu"):
    """Load a jrx checkpoint: a Reasoner (with target_embed), a Baseline (stage "baseline",
    no target_embed), a Reasoner without target table (e.g. stage "pretrain"), a MonoTalker
    or a DualTalker. The model's .meta holds the file's metadata."""
    try:
        f = st.read(path)
    except st.SafetensorsError as e:
        raise CheckpointError(str(e)) from None
    model = _model_for(f, path)
    for n in f.names():
        if f.dtype(n) != "F32":
            raise CheckpointError(f"{path}: tensor {n!r}: dtype {f.dtype(n)}: jrx reads F32 only (convert.py converts)")
    check_tensors({n: f.shape(n) for n in f.names()}, model.tensor_shapes(), path)
    with torch.no_grad():
        for n in model.tensor_names():
            model.tensor(n).copy_(torch.from_numpy(np.ascontiguousarray(f.tensor(n))))
    model.meta = dict(f.meta)
    return model.to(device)


def save_set(directory, reasoner, baseline, mono, dual, meta=None):
    """Write a jrx model-set directory (reasoner, baseline, mono, dual .safetensors).

    meta: extra metadata for every file. jrx reads the tree depth from the
    Reasoner's "recipe" entry ({"task": "tree", "depth": N, ...}); without it,
    from the Talkers' context (depth + 1).
    """
    if reasoner.target_embed is None:
        raise CheckpointError("the set's Reasoner needs its target table (target_embed)")
    for t in (mono, dual):
        if t.cfg.d != reasoner.cfg.d or t.cfg.vocab != reasoner.cfg.vocab:
            raise CheckpointError(f"a Talker reads width {t.cfg.d} / vocabulary {t.cfg.vocab}, the Reasoner has {reasoner.cfg.d} / {reasoner.cfg.vocab}")
    if baseline.cfg.vocab != reasoner.cfg.vocab:
        raise CheckpointError("the baseline's vocabulary differs from the Reasoner's")
    os.makedirs(directory, exist_ok=True)
    save(reasoner, os.path.join(directory, FILE_REASONER), meta)
    save(baseline, os.path.join(directory, FILE_BASELINE), meta)
    save(mono, os.path.join(directory, FILE_MONO), meta)
    save(dual, os.path.join(directory, FILE_DUAL), meta)


def load_set(directory, device="cpu"):
    """Load a model-set directory: a dict with reasoner, baseline, mono, dual."""
    out = {}
    for key, fname, cls in (("reasoner", FILE_REASONER, Reasoner), ("baseline", FILE_BASELINE, Baseline),
                            ("mono", FILE_MONO, MonoTalker), ("dual", FILE_DUAL, DualTalker)):
        p = os.path.join(directory, fname)
        if not os.path.exists(p):
            raise CheckpointError(f"model set {directory}: missing {fname}")
        m = load(p, device)
        if not isinstance(m, cls) or (key == "reasoner" and m.target_embed is None):
            raise CheckpointError(f"model set {directory}: {fname} is not a {key} checkpoint")
        out[key] = m
    return out


def depth_of(meta):
    """The tree depth recorded in a checkpoint's "recipe" metadata, or None."""
    try:
        d = json.loads(meta.get("recipe", "")).get("depth")
        return d if isinstance(d, int) and d >= 2 else None
    except (json.JSONDecodeError, AttributeError):
        return None
