"""Training texts -> tokens -> packed rows of exactly seq_len tokens, on Ray Data.

A text row is either a chat (prompt + response, rendered with the base tokenizer's chat template)
or a raw document (text). Every text is eos-terminated, so texts are separated by eos once packed.

Order: each row carries a `key` (a hash of run.seed and the row's identity). Packing concatenates
the texts in key order, which is a seeded shuffle that does not depend on how Ray split or
scheduled the blocks: the same seed gives the same rows, run after run.

The last partial block is dropped (training rows have no padding mask, so padding would be
trained on) unless it is the only block: a corpus with fewer than seq_len tokens then still gives
one row, right-padded with the tokenizer's pad id.
"""
from __future__ import annotations

import functools
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray.data

from mediphi.models import load_tokenizer

TOKENS = pa.list_(pa.int32())
PACKED_SCHEMA = pa.schema([("input_ids", TOKENS)])


def order_key(seed: int, *identity: str) -> str:
    return hashlib.sha256("\x1f".join((str(seed), *identity)).encode()).hexdigest()


@functools.lru_cache(maxsize=4)
def _tokenizer(path: str):
    # Ray reuses worker processes: each loads the tokenizer once, not once per batch.
    return load_tokenizer(path)


def block_plan(n_tokens: int, seq_len: int) -> tuple[int, int, int]:
    """(rows, tokens dropped, pad tokens) for a stream of n_tokens packed into seq_len blocks."""
    if 0 < n_tokens < seq_len:
        return 1, 0, seq_len - n_tokens
    return n_tokens // seq_len, n_tokens % seq_len, 0


def tokenize_batch(batch: pa.Table, tokenizer_path: str) -> pa.Table:
    tok = _tokenizer(tokenizer_path)
    texts = []
    for prompt, response, text in zip(*(batch.column(c).to_pylist() for c in ("prompt", "response", "text"))):
        if prompt:
            chat = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
            texts.append(tok.apply_chat_template(chat, tokenize=False))
        else:
            texts.append(text)
    ids = [x + [tok.eos_token_id] for x in tok(texts, add_special_tokens=False)["input_ids"]]
    return pa.table({"key": batch.column("key"), "ids": pa.array(ids, type=TOKENS),
                     "n_tokens": pa.array([len(x) for x in ids], type=pa.int64())})


def pack_batch(batch: pa.Table, seq_len: int, pad_id: int) -> pa.Table:
    """The whole token stream (one batch) in key order, cut into seq_len rows."""
    ordered = batch.take(pc.sort_indices(batch, sort_keys=[("key", "ascending")]))
    stream = ordered.column("ids").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    rows, _, pad = block_plan(len(stream), seq_len)
    if pad:
        stream = np.concatenate([stream, np.full(pad, pad_id, dtype=np.int32)])
    blocks = stream[:rows * seq_len].reshape(rows, seq_len)
    return pa.table({"input_ids": pa.array(list(blocks), type=TOKENS)}, schema=PACKED_SCHEMA)


def tokenize(texts: ray.data.Dataset, tokenizer_path: str) -> ray.data.Dataset:
    """Columns key, prompt, response, text -> key, ids (list<int32>, eos-terminated), n_tokens."""
    return texts.map_batches(tokenize_batch, fn_kwargs={"tokenizer_path": tokenizer_path},
                             batch_size=256, batch_format="pyarrow")


def pack(tokens: ray.data.Dataset, seq_len: int, pad_id: int) -> ray.data.Dataset:
    # Packing is one pass over the whole ordered stream, so it runs as one batch: PIT data per
    # corpus is tens of millions of tokens at most (4 bytes each), well within one worker.
    return tokens.repartition(1).map_batches(pack_batch, fn_kwargs={"seq_len": seq_len, "pad_id": pad_id},
                                             batch_size=None, batch_format="pyarrow")
