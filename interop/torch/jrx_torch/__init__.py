"""jrx_torch: jrx's models (docs/MODEL.md) in PyTorch, reading and writing jrx checkpoints.

    from jrx_torch import load, save, load_set, save_set
    r = load("assets/default/reasoner.safetensors")      # a Reasoner
    lat = r.free_run(prompt_ids, steps=5)                # [1, 5, d], unit latents
    mono = load("assets/default/mono.safetensors")
    mono.read(lat)                                       # [1, 5] tokens

Dependencies: torch and numpy only. See interop/torch/README.md.
"""

from .checkpoint import (FILE_BASELINE, FILE_DUAL, FILE_MONO, FILE_REASONER, CheckpointError, check_tensors,
                         depth_of, load, load_set, save, save_set)
from .config import FORMAT_DUAL, FORMAT_MONO, FORMAT_REASONER, ReasonerConfig, TalkerConfig
from .model import Baseline, DualTalker, MonoTalker, Reasoner, l2, qk_norm, rms_norm

__all__ = [
    "Reasoner", "Baseline", "MonoTalker", "DualTalker", "ReasonerConfig", "TalkerConfig",
    "load", "save", "load_set", "save_set", "depth_of", "check_tensors", "CheckpointError",
    "FORMAT_REASONER", "FORMAT_MONO", "FORMAT_DUAL",
    "FILE_REASONER", "FILE_BASELINE", "FILE_MONO", "FILE_DUAL", "l2", "rms_norm", "qk_norm",
]
