"""Device selection for torch-backed models: `auto` means CUDA when torch sees a GPU, else CPU."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def resolve_device(spec: str) -> str:
    """A torch device string for the configured `spec` (auto | cpu | cuda | cuda:N).

    Asking for CUDA on a machine without it falls back to CPU with a warning rather than failing at
    start-up: the same config then runs on a laptop and on a GPU box.
    """
    spec = (spec or "auto").strip().lower()
    if spec == "cpu":
        return "cpu"
    if spec != "auto" and not spec.startswith("cuda"):
        raise ValueError(f"device must be auto, cpu, cuda or cuda:N, not {spec!r}")
    import torch

    if torch.cuda.is_available():
        return "cuda" if spec == "auto" else spec
    if spec != "auto":
        log.warning("device %s requested but CUDA is not available; using CPU", spec)
    return "cpu"
