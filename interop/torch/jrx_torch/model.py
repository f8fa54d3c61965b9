"""jrx's models in PyTorch, following docs/MODEL.md line by line.

Every matrix is a parameter stored the way the math and the checkpoint store
it, ``in×out``, and applied as ``x @ W`` (so no transposes anywhere, and a
module's ``state_dict`` keys are jrx's tensor names). No biases.

- ``Reasoner``: embedding E, pre-norm blocks, final RMSNorm, the EMA target
  table Ē (a buffer, never trained by gradient); hybrid norm: tied-head token
  logits (stage 1) or latents L2(h) (stage 2 and inference); free-running
  inference feeds c·r back and never sees a token.
- ``Baseline``: the same network without Ē, greedy decoding with its own
  tokens fed back.
- ``MonoTalker``: causal blocks over the latents, final RMSNorm, untied head.
- ``DualTalker``: encoder (causal blocks + own final norm) → memory M; decoder
  with its own embedding, causal self-attention, cross-attention to M, final
  norm and head; greedy from [BOS].
"""

import dataclasses
import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import FORMAT_DUAL, FORMAT_MONO, ReasonerConfig, TalkerConfig

RMS_EPS = 1e-6
QK_EPS = 1e-6
L2_EPS = 1e-12
INIT_STD = 0.02


# ---------------------------------------------------------------- shared pieces

def rms_norm(x, g):
    """RMSNorm_g(x) = x / sqrt(mean(x²) + 1e-6) ⊙ g."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * g


def l2(x):
    """L2(x) = x / max(‖x‖₂, 1e-12)."""
    return x / x.norm(dim=-1, keepdim=True).clamp_min(L2_EPS)


def qk_norm(x):
    """Non-learnable QK-Norm over the last axis (a head's dh components)."""
    c = x - x.mean(-1, keepdim=True)
    return c * torch.rsqrt(c.pow(2).mean(-1, keepdim=True) + QK_EPS)


def gelu(x):
    """GELU, tanh approximation."""
    return F.gelu(x, approximate="tanh")


_rope_cache = {}


def rope_tables(n, dh, base, dtype, device):
    """cos, sin of p·θ_i for p < n, i < dh/2, θ_i = base^(−2i/dh), computed in float64 like jrx."""
    key = (n, dh, float(base), dtype, str(device))
    t = _rope_cache.get(key)
    if t is None:
        half = dh // 2
        theta = float(base) ** (-2.0 * torch.arange(half, dtype=torch.float64) / dh)
        ang = torch.arange(n, dtype=torch.float64)[:, None] * theta[None, :]
        t = (ang.cos().to(device=device, dtype=dtype), ang.sin().to(device=device, dtype=dtype))
        if len(_rope_cache) > 64:
            _rope_cache.clear()
        _rope_cache[key] = t
    return t


def rope(x, cos, sin):
    """Rotate the pairs (i, i + dh/2) of x [B, H, T, dh] by the angles of positions 0…T−1."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


def attention(xn, src, wq, wk, wv, wo, heads, use_qk_norm, rope_base, causal):
    """Multi-head attention: queries from xn [B, Tq, d], keys/values from src [B, Tk, d].

    QK-Norm (if on), then RoPE at each side's own positions; scores q·k/sqrt(dh);
    causal (j ≤ i) for self-attention, no mask for cross-attention; heads
    concatenated, then · W_o.
    """
    B, Tq, _ = xn.shape
    Tk = src.shape[1]
    A = wq.shape[1]
    dh = A // heads
    q = (xn @ wq).view(B, Tq, heads, dh).transpose(1, 2)
    k = (src @ wk).view(B, Tk, heads, dh).transpose(1, 2)
    v = (src @ wv).view(B, Tk, heads, dh).transpose(1, 2)
    if use_qk_norm:
        q, k = qk_norm(q), qk_norm(k)
    cq, sq = rope_tables(Tq, dh, rope_base, q.dtype, q.device)
    ck, sk = rope_tables(Tk, dh, rope_base, k.dtype, k.device)
    q, k = rope(q, cq, sq), rope(k, ck, sk)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        mask = torch.ones(Tq, Tk, dtype=torch.bool, device=s.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
    o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, Tq, A)
    return o @ wo


class Block(nn.Module):
    """A pre-norm block; with cross=True a decoder block (cross-attention between the two)."""

    def __init__(self, d, A, heads, F_, qk, rope_base, cross=False):
        super().__init__()
        P = lambda *s: nn.Parameter(torch.zeros(*s))
        self.heads, self.qk, self.rope_base, self.cross = heads, qk, rope_base, cross
        self.norm1 = nn.Parameter(torch.ones(d))
        self.wq, self.wk, self.wv, self.wo = P(d, A), P(d, A), P(d, A), P(A, d)
        if cross:
            self.norm3 = nn.Parameter(torch.ones(d))
            self.cq, self.ck, self.cv, self.co = P(d, A), P(d, A), P(d, A), P(A, d)
        self.norm2 = nn.Parameter(torch.ones(d))
        self.w1, self.w2 = P(d, F_), P(F_, d)

    def names(self):
        """Tensor names in jrx's checkpoint order."""
        n = ["norm1", "wq", "wk", "wv", "wo"]
        if self.cross:
            n += ["norm3", "cq", "ck", "cv", "co"]
        return n + ["norm2", "w1", "w2"]

    def forward(self, x, mem=None):
        xn = rms_norm(x, self.norm1)
        x = x + attention(xn, xn, self.wq, self.wk, self.wv, self.wo, self.heads, self.qk, self.rope_base, True)
        if self.cross:
            xn = rms_norm(x, self.norm3)
            x = x + attention(xn, mem, self.cq, self.ck, self.cv, self.co, self.heads, self.qk, self.rope_base, False)
        return x + gelu(rms_norm(x, self.norm2) @ self.w1) @ self.w2

    @torch.no_grad()
    def init_weights(self, gen, layers):
        """jrx's scheme: gains 1; wq, wk, wv, w1 (cq, ck, cv) ~ N(0, 0.02²); wo, w2, co ~ N(0, (0.02/sqrt(2L))²)."""
        out_std = INIT_STD / math.sqrt(2 * layers)
        for name in self.names():
            p = getattr(self, name)
            if name.startswith("norm"):
                p.fill_(1)
            else:
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64).mul_(
                    out_std if name in ("wo", "w2", "co") else INIT_STD))


def _blocks(n, d, A, heads, F_, qk, base, cross=False):
    return nn.ModuleList(Block(d, A, heads, F_, qk, base, cross) for _ in range(n))


def _block_names(prefix, blocks):
    return [f"{prefix}blocks.{l}.{n}" for l, b in enumerate(blocks) for n in b.names()]


def _normal_(p, gen, std=INIT_STD):
    with torch.no_grad():
        p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64).mul_(std))


class _Named(nn.Module):
    """A module whose tensors are named exactly as in its jrx checkpoint."""

    def tensor_names(self):
        raise NotImplementedError

    def tensor(self, name):
        obj = self
        for part in name.split("."):
            obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        return obj

    def tensor_shapes(self):
        return {n: tuple(self.tensor(n).shape) for n in self.tensor_names()}

    def num_params(self):
        return sum(self.tensor(n).numel() for n in self.tensor_names())


# ---------------------------------------------------------------- Reasoner and baseline

class Reasoner(_Named):
    """The JEPA predictor (docs/MODEL.md, "Reasoner"). with_target=False is the token network
    of stage 1 (and, as Baseline, the coupled Transformer)."""

    def __init__(self, cfg, with_target=True):
        super().__init__()
        cfg = dataclasses.replace(cfg) if isinstance(cfg, ReasonerConfig) else ReasonerConfig(**cfg)
        self.cfg = cfg.validate()
        V, d = cfg.vocab, cfg.d
        self.embed = nn.Parameter(torch.zeros(V, d))
        self.blocks = _blocks(cfg.layers, d, cfg.attn, cfg.heads, cfg.ffn, cfg.qk_norm, cfg.rope_base)
        self.final_norm = nn.Parameter(torch.ones(d))
        if with_target:
            self.register_buffer("target_embed", torch.zeros(V, d))
        else:
            self.target_embed = None

    def tensor_names(self):
        n = ["embed"] + _block_names("", self.blocks) + ["final_norm"]
        return n + (["target_embed"] if self.target_embed is not None else [])

    @torch.no_grad()
    def init_weights(self, seed):
        """jrx's initialisation scheme (not its random numbers): blocks, E ~ N(0, 0.02²), Ē = E."""
        gen = torch.Generator().manual_seed(int(seed))
        for b in self.blocks:
            b.init_weights(gen, self.cfg.layers)
        self.final_norm.fill_(1)
        _normal_(self.embed, gen)
        self.cfg.seed = int(seed)
        self.reset_target()
        return self

    @torch.no_grad()
    def reset_target(self):
        """Ē = E (the start of SST)."""
        if self.target_embed is not None:
            self.target_embed.copy_(self.embed)

    @torch.no_grad()
    def update_target(self):
        """One EMA step Ē ← m·Ē + (1 − m)·E."""
        m = self.cfg.ema
        self.target_embed.mul_(m).add_(self.embed.detach(), alpha=1 - m)

    def hidden(self, u):
        """h = RMSNorm_gf(Block_L(…Block_1(u)…)) for input vectors u [B, T, d]."""
        for b in self.blocks:
            u = b(u)
        return rms_norm(u, self.final_norm)

    def token_logits(self, ids):
        """Stage 1: z = h Eᵀ (tied head) for token ids [B, T]."""
        return self.hidden(self.embed[ids]) @ self.embed.t()

    def latents(self, ids):
        """Stage 2 (teacher-forced): r = L2(h) for token ids [B, T]."""
        return l2(self.hidden(self.embed[ids]))

    def free_run(self, prompt, steps, return_norms=False):
        """Free-running inference: embed the prompt [B, P] (or one list of ids), then steps
        times take r = L2(h) at the last position and append c·r as the next input.
        Never samples a token. Returns the latents [B, steps, d] (and, with
        return_norms, the pre-L2 norms ‖h‖ [B, steps])."""
        prompt = _ids(prompt, self.embed.device)
        if prompt.shape[1] + steps - 1 > self.cfg.context:
            raise ValueError(f"reasoner: prompt of {prompt.shape[1]} tokens + {steps} steps exceeds the context of {self.cfg.context}")
        x = self.embed[prompt]
        out, norms = [], []
        for t in range(steps):
            h = self.hidden(x)[:, -1]
            r = l2(h)
            out.append(r)
            norms.append(h.norm(dim=-1))
            if t + 1 < steps:
                x = torch.cat([x, (self.cfg.feedback_scale * r)[:, None]], dim=1)
        lat = torch.stack(out, dim=1)
        return (lat, torch.stack(norms, dim=1)) if return_norms else lat

    def nearest(self, lat, table=None):
        """Token ids of the rows of table (default Ē) nearest to lat by cosine."""
        t = self.target_embed if table is None else table
        return (lat @ l2(t).t()).argmax(-1)


class Baseline(Reasoner):
    """The coupled Transformer T: the Reasoner's network without Ē, decoding greedily with its
    own tokens fed back into its context."""

    def __init__(self, cfg):
        cfg = dataclasses.replace(cfg) if isinstance(cfg, ReasonerConfig) else ReasonerConfig(**cfg)
        cfg.stage = "baseline"
        super().__init__(cfg, with_target=False)

    def greedy(self, prompt, steps, force=None):
        """Greedy tokens [B, steps] after prompt [B, P]; force {step: token} replaces the model's
        choice at that 0-based step, and the forced token stays in its context."""
        ids = _ids(prompt, self.embed.device)
        out = []
        for t in range(steps):
            tok = self.token_logits(ids)[:, -1].argmax(-1)
            if force and t in force:
                tok = torch.full_like(tok, force[t])
            out.append(tok)
            ids = torch.cat([ids, tok[:, None]], dim=1)
        return torch.stack(out, dim=1)


def _ids(x, device):
    t = torch.as_tensor(x, dtype=torch.long, device=device)
    return t[None] if t.dim() == 1 else t


# ---------------------------------------------------------------- Talkers

class MonoTalker(_Named):
    """Causal blocks over the latent trajectory, final RMSNorm, untied head W_h (d×V)."""

    def __init__(self, cfg):
        super().__init__()
        cfg = dataclasses.replace(cfg) if isinstance(cfg, TalkerConfig) else TalkerConfig(**cfg)
        cfg.format = FORMAT_MONO
        self.cfg = cfg.validate()
        d = cfg.d
        self.blocks = _blocks(cfg.layers, d, cfg.attn, cfg.heads, cfg.ffn, cfg.qk_norm, cfg.rope_base)
        self.final_norm = nn.Parameter(torch.ones(d))
        self.head = nn.Parameter(torch.zeros(d, cfg.vocab))

    def tensor_names(self):
        return _block_names("", self.blocks) + ["final_norm", "head"]

    @torch.no_grad()
    def init_weights(self, seed):
        gen = torch.Generator().manual_seed(int(seed))
        for b in self.blocks:
            b.init_weights(gen, self.cfg.layers)
        self.final_norm.fill_(1)
        _normal_(self.head, gen)
        self.cfg.seed = int(seed)
        return self

    def forward(self, lat):
        """Logits [B, T, V] for latents [B, T, d]; token t depends on r_1 … r_t only."""
        x = lat
        for b in self.blocks:
            x = b(x)
        return rms_norm(x, self.final_norm) @ self.head

    def read(self, lat):
        """Greedy tokens [B, T]."""
        return self(lat).argmax(-1)


class _Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.blocks = _blocks(cfg.enc_layers, cfg.d, cfg.attn, cfg.heads, cfg.ffn, cfg.qk_norm, cfg.rope_base)
        self.final_norm = nn.Parameter(torch.ones(cfg.d))


class _DecoderBody(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Parameter(torch.zeros(cfg.vocab, cfg.d))
        self.blocks = _blocks(cfg.dec_layers, cfg.d, cfg.attn, cfg.heads, cfg.ffn, cfg.qk_norm, cfg.rope_base, cross=True)


class DualTalker(_Named):
    """Encoder over the latents (memory M after enc.final_norm); autoregressive decoder with
    its own embedding (dec.embed), cross-attention to M, final_norm and head."""

    def __init__(self, cfg):
        super().__init__()
        cfg = dataclasses.replace(cfg) if isinstance(cfg, TalkerConfig) else TalkerConfig(**cfg)
        cfg.format = FORMAT_DUAL
        self.cfg = cfg.validate()
        self.enc = _Encoder(cfg)
        self.dec = _DecoderBody(cfg)
        self.final_norm = nn.Parameter(torch.ones(cfg.d))
        self.head = nn.Parameter(torch.zeros(cfg.d, cfg.vocab))

    def tensor_names(self):
        return (_block_names("enc.", self.enc.blocks) + ["enc.final_norm", "dec.embed"]
                + _block_names("dec.", self.dec.blocks) + ["final_norm", "head"])

    @torch.no_grad()
    def init_weights(self, seed):
        gen = torch.Generator().manual_seed(int(seed))
        for b in self.enc.blocks:
            b.init_weights(gen, self.cfg.enc_layers)
        self.enc.final_norm.fill_(1)
        _normal_(self.dec.embed, gen)
        for b in self.dec.blocks:
            b.init_weights(gen, self.cfg.dec_layers)
        self.final_norm.fill_(1)
        _normal_(self.head, gen)
        self.cfg.seed = int(seed)
        return self

    def memory(self, lat):
        """M [B, T, d]: the encoder's causal blocks over the latents, then enc.final_norm."""
        x = lat
        for b in self.enc.blocks:
            x = b(x)
        return rms_norm(x, self.enc.final_norm)

    def decode_logits(self, mem, dec_in):
        """Decoder logits [B, Tp, V] for decoder input tokens dec_in [B, Tp] and memory M."""
        x = self.dec.embed[dec_in]
        for b in self.dec.blocks:
            x = b(x, mem)
        return rms_norm(x, self.final_norm) @ self.head

    def forward(self, lat, dec_in):
        """Teacher-forced logits: dec_in is [BOS, y_1, …, y_{T−1}]; position p predicts y_{p+1}."""
        return self.decode_logits(self.memory(lat), dec_in)

    def decode(self, lat, force=None):
        """Greedy tokens [B, T] for latents [B, T, d], starting from [BOS]; force {step: token}
        replaces the decoder's choice at that 0-based step (later tokens read it)."""
        mem = self.memory(lat)
        B, T = lat.shape[0], lat.shape[1]
        ids = torch.full((B, 1), self.cfg.bos, dtype=torch.long, device=lat.device)
        out = []
        for t in range(T):
            tok = self.decode_logits(mem, ids)[:, -1].argmax(-1)
            if force and t in force:
                tok = torch.full_like(tok, force[t])
            out.append(tok)
            ids = torch.cat([ids, tok[:, None]], dim=1)
        return torch.stack(out, dim=1)
