"""DeepSpeed's CPU op is built ahead of time into the cache the training workers read."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_prebuild_puts_the_cpu_comm_op_where_training_finds_it():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("GPU accelerators use NCCL: no CPU op to build")
    from mediphi.training.ops import prebuild

    name = prebuild()
    assert name == "deepspeed_shm_comm"
    built = Path(os.environ["TORCH_EXTENSIONS_DIR"]).rglob(f"{name}*.so")
    assert any(p.stat().st_size > 0 for p in built)
