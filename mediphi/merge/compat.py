"""What must match before models are merged: architecture, tensors, vocabulary, chat template.

mergekit merges tensors by name and would happily average a Llama into a Phi-3 of another shape
or a model whose tokenizer maps ids to other strings; the result loads and says nothing sensible.
Checked from the files alone (config.json, safetensors headers, tokenizer), before any merge.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mediphi.config import InputError

# config.json fields that change what a tensor means even when shapes agree
_ARCH_FIELDS = ("architectures", "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "intermediate_size", "vocab_size", "tie_word_embeddings")


def tensor_shapes(model_dir: str) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape from the safetensors headers (no weights read)."""
    from safetensors import safe_open

    shapes: dict[str, tuple[int, ...]] = {}
    for f in sorted(Path(model_dir).glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as st:
            for name in st.keys():
                shapes[name] = tuple(st.get_slice(name).get_shape())
    return shapes


def _architecture(model_dir: str) -> dict:
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    return {k: cfg.get(k) for k in _ARCH_FIELDS}


def _tokenizer(model_dir: str) -> dict:
    from mediphi.models import load_tokenizer

    tok = load_tokenizer(model_dir)
    vocab = json.dumps(sorted(tok.get_vocab().items()), ensure_ascii=False)
    return {"vocabulary": hashlib.sha256(vocab.encode()).hexdigest()[:16],
            "special tokens": json.dumps({"bos": tok.bos_token, "eos": tok.eos_token, "pad": tok.pad_token}),
            "chat template": hashlib.sha256((tok.chat_template or "").encode()).hexdigest()[:16]}


def differences(base: str, other: str) -> list[str]:
    """What differs between two model dirs, in words; empty when they can be merged."""
    out = []
    a, b = _architecture(base), _architecture(other)
    out += [f"config.json {k}: {a[k]!r} vs {b[k]!r}" for k in _ARCH_FIELDS if a[k] != b[k]]
    sa, sb = tensor_shapes(base), tensor_shapes(other)
    if set(sa) != set(sb):
        only_a, only_b = sorted(set(sa) - set(sb)), sorted(set(sb) - set(sa))
        out.append(f"tensors: {len(only_a)} only in the base (e.g. {only_a[:2]}), {len(only_b)} only here "
                   f"(e.g. {only_b[:2]})")
    shape = [n for n in sorted(set(sa) & set(sb)) if sa[n] != sb[n]]
    if shape:
        out.append(f"tensor shapes: {len(shape)} differ, e.g. {shape[0]} {sa[shape[0]]} vs {sb[shape[0]]}")
    ta, tb = _tokenizer(base), _tokenizer(other)
    out += [f"tokenizer {k} differs ({ta[k]} vs {tb[k]})" for k in ta if ta[k] != tb[k]]
    return out


def check_compatible(base: str, models: dict[str, str]) -> None:
    """InputError naming each model that cannot be merged with `base`, and why."""
    problems = {name: d for name, path in sorted(models.items()) if (d := differences(base, path))}
    if problems:
        lines = "; ".join(f"{name} ({models[name]}): " + ", ".join(d) for name, d in problems.items())
        raise InputError(f"cannot merge into the base {base}: {lines}. Experts must be fine-tunes of model.base "
                         "with its tokenizer and chat template")
