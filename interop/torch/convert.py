#!/usr/bin/env python3
"""Convert a checkpoint whose tensor names or orientation differ from jrx's into a jrx checkpoint.

    python3 convert.py --mapping MAP.json --out reasoner.safetensors SOURCE [SOURCE ...]

SOURCE: .safetensors files (F32, F16, BF16 or F64 tensors) or PyTorch state
dicts (.pt, .pth, .bin; read with torch.load on the CPU). Several sources
(shards) are merged; a name in two sources is an error.

The mapping file (JSON) says what to build and where each jrx tensor comes
from; mappings/llama-style-reasoner.json is a complete example:

    {
      "kind": "reasoner",            # reasoner | baseline | mono | dual
      "config": {...},               # the jrx config fields (docs/MODEL.md; format follows from kind)
      "metadata": {"recipe": {"task": "tree", "depth": 4}},
                                     # extra metadata; objects are stored as JSON strings.
                                     # jrx reads the tree depth from the Reasoner's recipe.
      "source_key": "model",         # optional: the state dict is source["model"]
      "tensors": {                   # jrx name ← source
        "embed": "tok_embeddings.weight",
        "blocks.{l}.wq": {"from": "layers.{l}.attention.wq.weight", "transpose": true},
        "blocks.{l}.wk": {"from": "layers.{l}.attention.wkv.weight", "transpose": true,
                          "slice": [0, 512], "rope": "interleaved"},
        ...
      },
      "ignore": ["rope.freqs"]       # source tensors deliberately not used
    }

Per tensor: "from" (the source name; a plain string is shorthand for
{"from": ...}); "transpose": true for sources stored out×in (torch.nn.Linear's
weight) — jrx stores every matrix in×out; "slice": [start, end] takes rows
start…end−1 of the source's first axis before transposing (a fused QKV
weight); "rope": "interleaved" (for wq/wk/cq/ck only) reorders each head's
output columns from rotary pairs (2i, 2i+1) to jrx's pairs (i, i + dh/2), which
leaves every attention score unchanged. "{l}" in a name stands for the block
index: 0…layers−1 for "blocks.{l}.*", enc_layers for "enc.blocks.{l}.*",
dec_layers for "dec.blocks.{l}.*". A source without an EMA target table can map
"target_embed" to its embedding (Ē = E, the start of SST).

Everything is checked before the output is written: every jrx tensor mapped
exactly once, every source tensor used or ignored, shapes after
slice/transpose equal to jrx's (errors name both tensors), the config valid
for jrx. The output is float32, written atomically, and opens in jrx.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jrx_torch import safetensors as st  # noqa: E402
from jrx_torch.config import ReasonerConfig, TalkerConfig  # noqa: E402
from jrx_torch.model import Baseline, DualTalker, MonoTalker, Reasoner  # noqa: E402


class ConvertError(ValueError):
    pass


def read_sources(paths, source_key=None):
    """{name: callable returning a float32 numpy array} over all sources."""
    out = {}
    for p in paths:
        if p.endswith(".safetensors"):
            f = st.read(p)
            items = {n: (lambda f=f, n=n: f.tensor(n)) for n in f.names()}
        else:
            import torch
            try:
                sd = torch.load(p, map_location="cpu", weights_only=True)
            except TypeError:  # torch without weights_only
                sd = torch.load(p, map_location="cpu")
            if source_key:
                if source_key not in sd:
                    raise ConvertError(f"{p}: no key {source_key!r} (source_key)")
                sd = sd[source_key]
            if not isinstance(sd, dict):
                raise ConvertError(f"{p}: not a state dict")
            items = {}
            for n, t in sd.items():
                if not hasattr(t, "detach"):
                    raise ConvertError(f"{p}: entry {n!r} is not a tensor")
                items[n] = (lambda t=t: t.detach().to("cpu").float().numpy())
        for n, get in items.items():
            if n in out:
                raise ConvertError(f"source tensor {n!r} appears in two sources")
            out[n] = get
    return out


def _layers_for(name, cfg):
    if name.startswith("enc."):
        return cfg.enc_layers
    if name.startswith("dec."):
        return cfg.dec_layers
    return cfg.layers


def expand(mapping, cfg):
    """jrx name → spec dict, with every "{l}" template expanded."""
    out = {}
    for jname, spec in mapping.items():
        if isinstance(spec, str):
            spec = {"from": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("from"), str):
            raise ConvertError(f"mapping for {jname!r}: want a source name or {{\"from\": name, ...}}")
        unknown = set(spec) - {"from", "transpose", "slice", "rope"}
        if unknown:
            raise ConvertError(f"mapping for {jname!r}: unknown fields {sorted(unknown)}")
        names = [(jname, spec)]
        if "{l}" in jname:
            names = [(jname.replace("{l}", str(l)), {**spec, "from": spec["from"].replace("{l}", str(l))})
                     for l in range(_layers_for(jname, cfg))]
        for n, s in names:
            if n in out:
                raise ConvertError(f"jrx tensor {n!r} is mapped twice")
            out[n] = s
    return out


def interleaved_to_half(w, heads):
    """Reorder each head's columns of w [in, A] from pairs (2i, 2i+1) to pairs (i, i + dh/2)."""
    A = w.shape[1]
    dh = A // heads
    perm = np.concatenate([h * dh + np.concatenate([np.arange(0, dh, 2), np.arange(1, dh, 2)]) for h in range(heads)])
    return w[:, perm]


def build(m, sources):
    """The jrx model described by mapping m, filled from sources."""
    kind = m.get("kind")
    cfgd = dict(m.get("config") or {})
    cfgd.pop("format", None)
    try:
        if kind in ("reasoner", "baseline"):
            cfg = ReasonerConfig(**cfgd)
            if kind == "baseline":
                cfg.stage = "baseline"
            model = Baseline(cfg) if kind == "baseline" else Reasoner(cfg, with_target=True)
        elif kind == "mono":
            model = MonoTalker(TalkerConfig(**cfgd))
        elif kind == "dual":
            model = DualTalker(TalkerConfig(**cfgd))
        else:
            raise ConvertError(f"mapping: kind {kind!r}, want reasoner, baseline, mono or dual")
    except TypeError as e:
        raise ConvertError(f"mapping: config: {e}") from None
    except ValueError as e:
        raise ConvertError(f"mapping: {e}") from None
    want = model.tensor_shapes()
    specs = expand(m.get("tensors") or {}, model.cfg)
    probs = [f"jrx tensor {n!r} (shape {list(want[n])}) has no mapping" for n in want if n not in specs]
    probs += [f"mapping names {n!r}, which a {kind} does not have" for n in specs if n not in want]
    used = {s["from"] for s in specs.values()}
    ignore = set()
    for pat in m.get("ignore") or []:
        ignore |= {pat.replace("{l}", str(l)) for l in range(256)} if "{l}" in pat else {pat}
    probs += [f"source tensor {s!r} is neither mapped nor ignored" for s in sorted(set(sources) - used - ignore)]
    probs += [f"jrx tensor {n!r}: source tensor {s['from']!r} not found" for n, s in specs.items()
              if n in want and s["from"] not in sources]
    if probs:
        raise ConvertError("\n".join(probs))
    import torch
    with torch.no_grad():
        for n, s in specs.items():
            a = sources[s["from"]]()
            if "slice" in s:
                lo, hi = s["slice"]
                if not (0 <= lo < hi <= a.shape[0]):
                    raise ConvertError(f"jrx tensor {n!r}: slice {s['slice']} outside {s['from']!r}'s first axis of {a.shape[0]}")
                a = a[lo:hi]
            if s.get("transpose"):
                if a.ndim != 2:
                    raise ConvertError(f"jrx tensor {n!r}: cannot transpose {s['from']!r} of shape {list(a.shape)}")
                a = a.T
            if tuple(a.shape) != tuple(want[n]):
                raise ConvertError(f"jrx tensor {n!r}: wants shape {list(want[n])}, source {s['from']!r} gives {list(a.shape)}"
                                   + ("" if s.get("transpose") else " (stored out×in? set \"transpose\": true)"))
            if s.get("rope"):
                if s["rope"] != "interleaved" or n.rsplit(".", 1)[-1] not in ("wq", "wk", "cq", "ck"):
                    raise ConvertError(f"jrx tensor {n!r}: \"rope\": \"interleaved\" applies to wq, wk, cq, ck only")
                a = interleaved_to_half(a, model.cfg.heads)
            if not np.isfinite(a).all():
                raise ConvertError(f"jrx tensor {n!r}: source {s['from']!r} has non-finite values")
            model.tensor(n).copy_(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)))
    return model


def convert(mapping_path, sources, out):
    with open(mapping_path) as f:
        m = json.load(f)
    src = read_sources(sources, m.get("source_key"))
    model = build(m, src)
    meta = {k: (v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
            for k, v in (m.get("metadata") or {}).items()}
    from jrx_torch import save
    save(model, out, meta)
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mapping", required=True, help="mapping file (JSON; see the module doc)")
    ap.add_argument("--out", required=True, help="the jrx checkpoint to write")
    ap.add_argument("sources", nargs="+", help=".safetensors or .pt/.pth/.bin state dicts")
    a = ap.parse_args(argv)
    try:
        model = convert(a.mapping, a.sources, a.out)
    except (ConvertError, st.SafetensorsError, OSError, json.JSONDecodeError) as e:
        print(f"convert: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.out}: {type(model).__name__}, {model.num_params()} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
