"""DeepSpeed's JIT-compiled CPU ops, built into one cache that every run shares.

DeepSpeed compiles its CPU communication op (shared-memory all-reduce) the first time a training
worker starts, into TORCH_EXTENSIONS_DIR: about 80 s on 2 cores, inside the first expert phase of
a fresh machine. `python -m mediphi.training.ops` (scripts/setup.sh runs it) builds it ahead of
time. One cache directory per virtual environment: the build's command line holds the
environment's paths, so two environments sharing a directory would rebuild it in turn.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

EXTENSIONS_ROOT = Path.home() / ".cache" / "mediphi" / "torch_extensions"


def extensions_dir() -> Path:
    """This environment's build cache (the Ray workers get it through TORCH_EXTENSIONS_DIR)."""
    return EXTENSIONS_ROOT / hashlib.sha1(str(Path(sys.prefix).resolve()).encode()).hexdigest()[:12]


def use_extension_cache() -> None:
    """Point torch's extension builds at mediphi's cache unless the user chose another."""
    os.environ.setdefault("TORCH_EXTENSIONS_DIR", str(extensions_dir()))


def prebuild() -> str | None:
    """Build (or find built) the op DeepSpeed's CPU accelerator loads at init; its name, or None
    where the accelerator has none (GPUs use NCCL)."""
    use_extension_cache()
    import deepspeed
    from deepspeed.accelerator import get_accelerator

    builder = get_accelerator().create_op_builder("ShareMemCommBuilder")
    if builder is None or not deepspeed.ops.__compatible_ops__.get(builder.NAME, False):
        return None
    builder.load(verbose=False)
    return builder.NAME


def main() -> int:
    t0 = time.perf_counter()
    try:
        name = prebuild()
    except Exception as e:  # noqa: BLE001 - a failed prebuild only moves the build to the first run
        print(f"[setup] warning: DeepSpeed's CPU op did not build ({type(e).__name__}: {e}); "
              "the first training run will try again", file=sys.stderr)
        return 0
    print(f"[setup] DeepSpeed op {name or '(none needed)'} ready in {os.environ['TORCH_EXTENSIONS_DIR']} "
          f"({time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
