"""Connect to Ray: the cluster a job was submitted to, a configured address, or a local one."""
from __future__ import annotations

import logging
import os

import ray

from mediphi.config import RunConfig

log = logging.getLogger("mediphi")

# A local cluster keeps idle workers for a minute, not Ray's default second: on a small node a
# stage's Ray Data steps follow each other, and each new worker re-imports pyarrow and Ray Data
# (a map + write over 1,549 rows: 3.0-3.5 s with the default, 0.5-0.7 s warm, on 2 CPUs).
LOCAL_SYSTEM_CONFIG = {"idle_worker_killing_time_threshold_ms": 60_000}


def connect(config: RunConfig | None = None) -> None:
    """Idempotent. Under `ray job submit` RAY_ADDRESS is set and the job joins its cluster."""
    if ray.is_initialized():
        return
    cluster = config.cluster if config else None
    address = os.environ.get("RAY_ADDRESS") or (cluster.address if cluster else None)
    env_vars = {k: v for k, v in os.environ.items()
                if k.startswith(("MEDIPHI_", "HF_", "TORCH_EXTENSIONS_DIR", "TRANSFORMERS_"))}
    kwargs = dict(
        namespace=cluster.namespace if cluster else "mediphi",
        log_to_driver=True,
        # Workers must see the same offline switches and caches as the driver.
        runtime_env={"env_vars": env_vars} if env_vars else None,
    )
    if address:
        log.info("connecting to Ray at %s", address)
        ray.init(address=address, **kwargs)
    else:
        num_cpus = cluster.num_cpus if cluster else None
        log.info("starting a local Ray cluster (%s CPUs)", num_cpus or "all")
        # "local": a new cluster even when `ray start` left one (or its address file) on this
        # machine; joining one is explicit (cluster.address or RAY_ADDRESS, e.g. "auto").
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False,
                 _system_config=LOCAL_SYSTEM_CONFIG, **kwargs)
