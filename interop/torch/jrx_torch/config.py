"""The checkpoint configs of jrx (latent/config.go, talker/talker.go) as dataclasses.

Each config is stored as compact JSON in the checkpoint's ``__metadata__``
under "config", with the fields in Go's order and numbers formatted as Go's
encoding/json formats them, so a config read from a jrx file and written again
is the same string.
"""

import json
import math
from dataclasses import dataclass, fields

import numpy as np

FORMAT_REASONER = "jrx-reasoner/1"  # the Reasoner and the coupled baseline
FORMAT_MONO = "jrx-mono-talker/1"
FORMAT_DUAL = "jrx-dual-talker/1"


def _go_float(x, bits):
    """x formatted like Go's encoding/json for a float32 (bits=32) or float64."""
    x = float(np.float32(x)) if bits == 32 else float(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"config: {x} cannot be stored in JSON")
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    a = abs(x)
    if bits == 32:
        s = np.format_float_positional(np.float32(x), unique=True, trim="-") if 1e-6 <= a < 1e21 \
            else np.format_float_scientific(np.float32(x), unique=True, trim="-", exp_digits=2)
    else:
        s = np.format_float_positional(x, unique=True, trim="-") if 1e-6 <= a < 1e21 \
            else np.format_float_scientific(x, unique=True, trim="-", exp_digits=2)
    return s.replace("e-0", "e-")  # Go writes 1e-7, not 1e-07


class _Config:
    # name → "int" | "bool" | "str" | "f32" | "f64"; omitempty field names
    _kinds = {}
    _omitempty = ()

    def to_json(self):
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            kind = self._kinds[f.name]
            if f.name in self._omitempty and not v:
                continue
            if kind == "int":
                s = str(int(v))
            elif kind == "bool":
                s = "true" if v else "false"
            elif kind == "str":
                s = json.dumps(v, ensure_ascii=False)
            else:
                s = _go_float(v, 32 if kind == "f32" else 64)
            parts.append(json.dumps(f.name) + ":" + s)
        return "{" + ",".join(parts) + "}"

    @classmethod
    def from_json(cls, s, what="config"):
        try:
            d = json.loads(s)
        except (TypeError, json.JSONDecodeError) as e:
            raise ValueError(f"{what}: config metadata is not JSON: {e}") from None
        if not isinstance(d, dict):
            raise ValueError(f"{what}: config metadata is not a JSON object")
        kw = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            v, kind = d[f.name], cls._kinds[f.name]
            ok = {"int": lambda v: type(v) is int, "bool": lambda v: type(v) is bool,
                  "str": lambda v: isinstance(v, str)}.get(kind, lambda v: type(v) in (int, float))(v)
            if not ok:
                raise ValueError(f"{what}: config field {f.name!r} has the wrong type: {v!r}")
            kw[f.name] = float(v) if kind in ("f32", "f64") else v
        return cls(**kw)


@dataclass
class ReasonerConfig(_Config):
    """latent.Config: the Reasoner's (and the coupled baseline's) architecture and constants."""
    format: str = FORMAT_REASONER
    vocab: int = 33
    d: int = 128
    attn: int = 128
    heads: int = 4
    ffn: int = 512
    layers: int = 6
    context: int = 64
    qk_norm: bool = False
    rope_base: float = 10000.0
    feedback_scale: float = 1.0
    k: float = 4.0
    ema: float = 0.98
    mtp_weight: float = 0.0
    stage: str = "init"
    seed: int = 0

    _kinds = dict(format="str", vocab="int", d="int", attn="int", heads="int", ffn="int", layers="int",
                  context="int", qk_norm="bool", rope_base="f64", feedback_scale="f32", k="f32", ema="f32",
                  mtp_weight="f32", stage="str", seed="int")

    def validate(self):
        """The checks of latent.Config.Validate (a config jrx accepts passes)."""
        if self.format != FORMAT_REASONER:
            raise ValueError(f"config: format {self.format!r}, want {FORMAT_REASONER!r}")
        if self.vocab < 2:
            raise ValueError(f"config: vocab {self.vocab} < 2")
        if self.d < 2 or self.attn < 2 or self.ffn < 1 or self.layers < 1 or self.heads < 1:
            raise ValueError("config: sizes must be positive")
        if self.attn % self.heads != 0:
            raise ValueError(f"config: attn {self.attn} is not a multiple of heads {self.heads}")
        if (self.attn // self.heads) % 2 != 0:
            raise ValueError(f"config: head width {self.attn // self.heads} must be even for rotary positions")
        if self.context < 2:
            raise ValueError(f"config: context {self.context} < 2")
        if self.d > 1 << 14 or self.attn > 1 << 14 or self.ffn > 1 << 16 or self.layers > 256 \
                or self.vocab > 1 << 20 or self.context > 1 << 16:
            raise ValueError("config: sizes out of range for jrx")
        if self.feedback_scale <= 0:
            raise ValueError(f"config: feedback_scale {self.feedback_scale} must be > 0")
        if not 0 <= self.ema < 1:
            raise ValueError(f"config: ema {self.ema} must be in [0, 1)")
        return self


@dataclass
class TalkerConfig(_Config):
    """talker.Config: layers is the Mono-Talker's block count, enc/dec_layers the Dual-Talker's."""
    format: str = FORMAT_MONO
    vocab: int = 33
    d: int = 128
    attn: int = 128
    heads: int = 4
    ffn: int = 512
    layers: int = 0
    enc_layers: int = 0
    dec_layers: int = 0
    context: int = 5
    qk_norm: bool = False
    rope_base: float = 10000.0
    bos: int = 32
    seed: int = 0

    _kinds = dict(format="str", vocab="int", d="int", attn="int", heads="int", ffn="int", layers="int",
                  enc_layers="int", dec_layers="int", context="int", qk_norm="bool", rope_base="f64",
                  bos="int", seed="int")
    _omitempty = ("layers", "enc_layers", "dec_layers")

    def validate(self):
        """The checks of talker.Config.Validate."""
        if self.format not in (FORMAT_MONO, FORMAT_DUAL):
            raise ValueError(f"talker config: unknown format {self.format!r}")
        if not 2 <= self.vocab <= 1 << 20:
            raise ValueError(f"talker config: vocab {self.vocab} out of range")
        if self.d < 2 or self.attn < 2 or self.ffn < 1 or self.heads < 1 or self.d > 1 << 14 \
                or self.attn > 1 << 14 or self.ffn > 1 << 16:
            raise ValueError("talker config: sizes out of range")
        if self.attn % self.heads != 0 or (self.attn // self.heads) % 2 != 0:
            raise ValueError(f"talker config: attn {self.attn} must split into {self.heads} heads of even width")
        if not 1 <= self.context <= 1 << 16:
            raise ValueError(f"talker config: context {self.context} out of range")
        if self.format == FORMAT_MONO and not 1 <= self.layers <= 256:
            raise ValueError(f"talker config: layers {self.layers} out of range")
        if self.format == FORMAT_DUAL:
            if not (1 <= self.enc_layers <= 256 and 1 <= self.dec_layers <= 256):
                raise ValueError(f"talker config: enc_layers {self.enc_layers} / dec_layers {self.dec_layers} out of range")
            if not 0 <= self.bos < self.vocab:
                raise ValueError(f"talker config: bos {self.bos} outside the vocabulary")
        return self
