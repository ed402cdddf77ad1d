from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from mediphi.config import UserError

log = logging.getLogger("mediphi.models")

class ModelNotFoundError(UserError, FileNotFoundError):
    """A model spec that names nothing loadable."""


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def cache_root(cache_dir: str | None = None) -> Path:
    root = cache_dir or os.environ.get("MEDIPHI_CACHE") or Path.home() / ".cache" / "mediphi"
    return Path(root).expanduser()


def is_local_model(path: str | Path) -> bool:
    return (Path(path) / "config.json").is_file()


def resolve(spec: str, cache_dir: str | None = None) -> str:
    """A path or hub id for `from_pretrained`; builds embedded/tiny models into the cache once."""
    if spec.startswith("embedded:"):
        from mediphi.models.embedded import ensure_embedded
        return str(ensure_embedded(spec.split(":", 1)[1], cache_root(cache_dir)))
    if spec.startswith("tiny:"):
        from mediphi.models.tiny import ensure_tiny
        return str(ensure_tiny(spec.split(":", 1)[1], cache_root(cache_dir)))
    p = Path(spec).expanduser()
    if p.exists():
        if not is_local_model(p):
            raise ModelNotFoundError(f"model '{spec}': the directory has no config.json (not an HF model dir)")
        return str(p.resolve())
    if spec.startswith(("/", "./", "../")):
        raise ModelNotFoundError(f"model '{spec}': no such directory")
    return spec  # a hub id: transformers fetches it (needs network or a populated HF cache)


def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_causal_lm(path: str, dtype: str = "float32", device: str | torch.device | None = None):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, dtype=DTYPES.get(dtype, "auto"))
    if device is not None:
        model.to(device)
    return model


def save_model(model, tokenizer, out: str | Path, card: dict[str, Any] | None = None) -> Path:
    """Write an HF directory atomically (tmp dir then rename) so a crash never leaves half a model."""
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent if out.parent.exists() else None))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        write_model_card(tmp, card or {})
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp), out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def write_model_card(path: str | Path, info: dict[str, Any]) -> None:
    """README.md with front matter plus mediphi.json (machine-readable lineage)."""
    path = Path(path)
    title = info.get("title", path.name)
    lines = ["---", "library_name: transformers", "tags: [mediphi, clinical]", "---", f"# {title}", ""]
    if info.get("description"):
        lines += [info["description"], ""]
    for k, v in info.items():
        if k not in ("title", "description"):
            lines.append(f"- **{k}**: {v}")
    (path / "README.md").write_text("\n".join(lines) + "\n")
    from mediphi.runs import strict_json

    (path / "mediphi.json").write_text(strict_json(info, indent=2))


def base_model(config) -> str:
    """The run's base model as a path (or hub id), building the embedded/tiny one if needed."""
    return resolve(config.model.base, config.run.cache_dir)
