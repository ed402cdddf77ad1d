"""DeepSpeed JSON configs: find the file, fill its "auto" values from the TrainingConfig.

The JSONs under configs/deepspeed/ leave every value the run config owns as "auto" (the same
convention as HF Trainer, so align can hand the same files to TRL). Filling them here keeps one
source of truth: a DeepSpeed file that hard-codes a batch size the data loop does not use is an
error, not a silent mismatch.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import mediphi
from mediphi.config import ConfigError, TrainingConfig

REPO_ROOT = Path(mediphi.__file__).resolve().parents[1]


def resolve_deepspeed_path(path: str, field: str = "deepspeed") -> Path:
    """A relative path is looked up in the working directory, then in the repository root."""
    p = Path(path).expanduser()
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, REPO_ROOT / p]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise ConfigError(f"{field}: DeepSpeed config '{path}' not found "
                      f"(looked in: {', '.join(str(c) for c in candidates)})")


def load_deepspeed_config(path: str, field: str = "deepspeed") -> dict[str, Any]:
    resolved = resolve_deepspeed_path(path, field)
    try:
        return json.loads(resolved.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{field}: {resolved} is not valid JSON ({e})") from None


def _auto_values(cfg: TrainingConfig, world_size: int) -> dict[tuple[str, ...], Any]:
    return {
        ("train_micro_batch_size_per_gpu",): cfg.micro_batch_size,
        ("gradient_accumulation_steps",): cfg.grad_accum,
        ("train_batch_size",): cfg.micro_batch_size * cfg.grad_accum * world_size,
        ("gradient_clipping",): cfg.max_grad_norm,
        ("optimizer", "params", "lr"): cfg.learning_rate,
        ("optimizer", "params", "weight_decay"): cfg.weight_decay,
        ("bf16", "enabled"): cfg.dtype == "bfloat16",
        ("fp16", "enabled"): cfg.dtype == "float16",
    }


# Values the data loop depends on: a JSON may leave them out or "auto", never contradict them.
_MUST_AGREE = ("train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "train_batch_size")


def fill_deepspeed_config(ds: dict[str, Any], cfg: TrainingConfig, world_size: int,
                          field: str = "deepspeed") -> dict[str, Any]:
    """A copy of `ds` with "auto" replaced by the run's values; batch sizes always set."""
    out = copy.deepcopy(ds)
    for path, value in _auto_values(cfg, world_size).items():
        parent = _parent(out, path)
        if parent is None:  # e.g. no "optimizer" section: the client supplies one
            continue
        leaf, must_agree = path[-1], path[0] in _MUST_AGREE
        current = parent.get(leaf, "auto" if must_agree else None)
        if current == "auto":
            parent[leaf] = value
        elif must_agree and current != value:
            raise ConfigError(
                f"{field}: the DeepSpeed config sets {leaf}={current} but the training config "
                f"gives {value}: set it to \"auto\" in the JSON")
    left = [".".join(p) for p in _find_auto(out)]
    if left:
        raise ConfigError(f"{field}: DeepSpeed config keys left as \"auto\" with no training value: "
                          f"{', '.join(left)}")
    return out


def _parent(node: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    for key in path[:-1]:
        node = node.get(key)
        if not isinstance(node, dict):
            return None
    return node


def _find_auto(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _find_auto(v, prefix + (k,))]
    return [prefix] if node == "auto" else []


def deepspeed_config(cfg: TrainingConfig, world_size: int, field: str = "deepspeed") -> dict[str, Any] | None:
    """The filled DeepSpeed config for `cfg`, or None when cfg.deepspeed is None (plain DDP)."""
    if cfg.deepspeed is None:
        return None
    return fill_deepspeed_config(load_deepspeed_config(cfg.deepspeed, field), cfg, world_size, field)
