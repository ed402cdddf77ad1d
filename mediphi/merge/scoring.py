"""The validation score every merge is judged by: -(mean token NLL) on held-out documents.

The documents come from the `val` split only (never `eval`: evaluation must not see what the
merge was tuned on). They are tokenized once into fixed batches so every trial, the base and
each expert are scored on exactly the same tokens.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import torch
import torch.nn.functional as F

from mediphi.config import InputError
from mediphi.engines.hf import pad_batch
from mediphi.models.sources import DTYPES

BATCH_SIZE = 4


@dataclass
class ValDocs:
    doc_ids: list[str]
    texts: list[str]
    available: int  # val documents read, before the cut to merge.val_docs
    empty: int  # val documents with no text


def read_val_docs(val_dirs: dict[str, str], limit: int) -> ValDocs:
    """Up to `limit` documents, taken round-robin over the corpora so each one is represented."""
    per_corpus: list[list[tuple[str, str]]] = []
    available = empty = 0
    for corpus in sorted(val_dirs):
        rows = pq.read_table(val_dirs[corpus], columns=["doc_id", "title", "text"]).to_pylist()
        available += len(rows)
        docs = []
        for r in sorted(rows, key=lambda r: r["doc_id"]):
            text = (r["text"] or "").strip()
            if not text:
                empty += 1
                continue
            title = (r["title"] or "").strip()
            docs.append((r["doc_id"], f"{title}\n{text}" if title else text))
        per_corpus.append(docs)
    picked: list[tuple[str, str]] = []
    for i in range(max((len(d) for d in per_corpus), default=0)):
        picked += [d[i] for d in per_corpus if i < len(d)]
    picked = picked[:limit]
    if not picked:
        raise InputError(f"no validation documents with text in {sorted(val_dirs.values())}")
    return ValDocs([d for d, _ in picked], [t for _, t in picked], available, empty)


def tokenize_batches(tokenizer, texts: list[str], max_tokens: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Right-padded (input_ids, attention_mask) batches; documents are cut to `max_tokens`."""
    ids = tokenizer(texts, truncation=True, max_length=max_tokens)["input_ids"]
    return [pad_batch(ids[start:start + BATCH_SIZE], tokenizer.pad_token_id)
            for start in range(0, len(ids), BATCH_SIZE)]


def count_scored_tokens(batches: list[tuple[torch.Tensor, torch.Tensor]]) -> int:
    return int(sum(mask[:, 1:].sum() for _, mask in batches))


@torch.inference_mode()
def nll_sums(model, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[float, int]:
    """(summed token NLL, predicted tokens) over `batches`: sums, so shares of them add up."""
    model.eval()
    total, tokens = 0.0, 0
    for input_ids, mask in batches:
        logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1].float()
        nll = F.cross_entropy(logits.transpose(1, 2), input_ids[:, 1:], reduction="none")
        keep = mask[:, 1:].bool()
        total += float(nll[keep].double().sum())
        tokens += int(keep.sum())
    return total, tokens


def val_score(model, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """-(mean NLL per predicted token), pooled over all documents: higher is better."""
    total, tokens = nll_sums(model, batches)
    return -total / tokens


# ----------------------------------------------------------------------------- weights in memory
def read_state_dict(model_dir: str) -> dict[str, torch.Tensor]:
    """The tensors exactly as saved (tied weights once), as mergekit reads them from disk."""
    from safetensors.torch import load_file

    files = sorted(Path(model_dir).glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{model_dir}: no safetensors weights (merging needs a local HF dir)")
    out: dict[str, torch.Tensor] = {}
    for f in files:
        out.update(load_file(str(f)))
    return out


def model_from_state_dict(base_dir: str, state_dict: dict[str, torch.Tensor], dtype: str):
    """The base architecture holding `state_dict`; tied weights follow the tensor they share."""
    from transformers import AutoConfig, AutoModelForCausalLM

    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(base_dir), dtype=DTYPES[dtype])
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    model.tie_weights()
    own = model.state_dict()
    loaded = {own[k].data_ptr() for k in state_dict if k in own}
    unfilled = [k for k in missing if own[k].data_ptr() not in loaded]
    if unexpected or unfilled:
        raise ValueError(f"merged weights do not fit {base_dir}: missing {unfilled}, unexpected {unexpected}")
    return model.eval()
