"""Shared fixtures: one local Ray cluster per test session, tiny models, tiny run configs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mediphi.training.ops import use_extension_cache

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
# A loaded 2-core machine can take longer than the default to start the raylet.
os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")
use_extension_cache()  # DeepSpeed's CPU op, built by setup.sh, found where the pipeline finds it

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray cluster for the whole session; every Ray test depends on this."""
    import ray

    from mediphi.cluster import LOCAL_SYSTEM_CONFIG

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, namespace="mediphi-tests",
                 object_store_memory=1_000_000_000, _system_config=LOCAL_SYSTEM_CONFIG,
                 runtime_env={"env_vars": {k: os.environ[k] for k in (
                     "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM",
                     "TORCH_EXTENSIONS_DIR")}})
    yield ray
    # No shutdown here: Serve and Train tests share the cluster; pytest exit tears it down.


@pytest.fixture(scope="session")
def tiny_llama() -> str:
    from mediphi.models import resolve

    return resolve("tiny:llama")


@pytest.fixture(scope="session")
def tiny_phi3() -> str:
    from mediphi.models import resolve

    return resolve("tiny:phi3")


@pytest.fixture(scope="session")
def smollm2() -> str:
    from mediphi.models import resolve

    return resolve("embedded:smollm2-135m")


@pytest.fixture
def tiny_config(tmp_path):
    """A RunConfig sized for seconds, not minutes: tiny Llama, a few documents per corpus."""
    from mediphi.config import RunConfig

    return RunConfig.load(REPO / "configs" / "test.yaml", overrides=[f"run.run_dir={tmp_path / 'run'}"])
