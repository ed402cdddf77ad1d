"""Training texts -> tokens -> packed rows of exactly seq_len tokens, on Ray Data.

A text row is either a chat (prompt + response, rendered with the base tokenizer's chat template)
or a raw document (text). Every text is eos-terminated.

What PIT intends, in the rows (Cheng et al. 2024's instruction pre-training; the MediPhi recipe):
- loss on answers only for task data: a chat's prompt tokens (the template up to and including
  the assistant header) carry label -100; a document carries loss on every token;
- no attention across packed texts: position ids restart at 0 for every text, which is how
  transformers (masking_utils.find_packed_sequence_indices) recognises packed rows and builds a
  block-causal mask on the sdpa and eager paths (and the varlen path of flash attention on GPU);
- a text never straddles two rows: whole texts are packed greedily in order and the rest of a
  row is padding (label -100, a segment of its own). A document longer than seq_len is cut into
  seq_len pieces, each its own text; a chat longer than seq_len cannot keep its answer and is
  dropped and counted.
The first token of every text carries no label either: nothing before it in its segment predicts it.

Order: each row carries a `key` (a hash of run.seed and the row's identity). Packing takes the
texts in key order, a seeded shuffle that does not depend on how Ray split or scheduled the
blocks: the same seed gives the same rows, run after run.
"""
from __future__ import annotations

import functools
import hashlib
import logging

import pyarrow as pa
import pyarrow.compute as pc
import ray.data

from mediphi.models import load_tokenizer

log = logging.getLogger("mediphi.pit")

IGNORE = -100  # the label transformers' causal-LM loss skips
TOKENS = pa.list_(pa.int32())
PACKED_SCHEMA = pa.schema([("input_ids", TOKENS), ("labels", TOKENS), ("position_ids", TOKENS),
                           ("n_pad", pa.int32()), ("n_dropped", pa.int32())])


def order_key(seed: int, *identity: str) -> str:
    return hashlib.sha256("\x1f".join((str(seed), *identity)).encode()).hexdigest()


@functools.lru_cache(maxsize=4)
def _tokenizer(path: str):
    # Ray reuses worker processes: each loads the tokenizer once, not once per batch.
    return load_tokenizer(path)


def chat_tokens(tok, prompt: str, response: str) -> tuple[list[int], int]:
    """(token ids of the rendered chat, how many of them are prompt). The prompt is the template
    rendered up to the assistant header (add_generation_prompt); when a template does not render
    that as a prefix of the whole chat, the whole chat carries loss rather than a wrong mask."""
    user = [{"role": "user", "content": prompt}]
    full = tok.apply_chat_template(user + [{"role": "assistant", "content": response}], tokenize=False)
    head = tok.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
    ids = tok(full, add_special_tokens=False)["input_ids"]
    head_ids = tok(head, add_special_tokens=False)["input_ids"] if full.startswith(head) else []
    n_prompt = len(head_ids) if ids[:len(head_ids)] == head_ids else 0
    if not n_prompt:
        _warn_no_prefix()
    return ids, n_prompt


@functools.lru_cache(maxsize=1)
def _warn_no_prefix() -> None:
    # Once per worker process, not once per chat.
    log.warning("chat template does not render the prompt as a prefix of the chat: loss on every token")


def tokenize_batch(batch: pa.Table, tokenizer_path: str) -> pa.Table:
    """key, ids (eos-terminated), n_prompt (tokens without loss at the start; 0 for documents), n_tokens."""
    tok = _tokenizer(tokenizer_path)
    ids, n_prompt = [], []
    for prompt, response, text in zip(*(batch.column(c).to_pylist() for c in ("prompt", "response", "text"))):
        if prompt:
            x, n = chat_tokens(tok, prompt, response)
        else:
            x, n = tok(text, add_special_tokens=False)["input_ids"], 0
        ids.append(x + [tok.eos_token_id])
        n_prompt.append(n)
    return pa.table({"key": batch.column("key"), "ids": pa.array(ids, type=TOKENS),
                     "n_prompt": pa.array(n_prompt, type=pa.int32()),
                     "n_tokens": pa.array([len(x) for x in ids], type=pa.int64())})


def pieces(ids: list[int], n_prompt: int, seq_len: int) -> list[tuple[list[int], list[int]]] | None:
    """A text as (input_ids, labels) pieces of at most seq_len; None for a chat that does not fit."""
    if len(ids) <= seq_len:
        labels = [IGNORE] * max(n_prompt, 1) + ids[max(n_prompt, 1):]
        return [(ids, labels)]
    if n_prompt:
        return None
    return [(ids[i:i + seq_len], [IGNORE] + ids[i + 1:i + seq_len]) for i in range(0, len(ids), seq_len)]


def pack_texts(texts: list[tuple[list[int], int]], seq_len: int, pad_id: int) -> dict[str, list]:
    """Whole texts, in the given order, greedily into rows of seq_len; columns of PACKED_SCHEMA.
    A row's n_dropped counts the chats dropped (too long) since the row before it."""
    out = {name: [] for name in PACKED_SCHEMA.names}
    row_ids, row_labels, row_pos, dropped = [], [], [], 0

    def close():
        nonlocal row_ids, row_labels, row_pos, dropped
        pad = seq_len - len(row_ids)
        out["input_ids"].append(row_ids + [pad_id] * pad)
        out["labels"].append(row_labels + [IGNORE] * pad)
        out["position_ids"].append(row_pos + list(range(pad)))  # the padding is a segment of its own
        out["n_pad"].append(pad)
        out["n_dropped"].append(dropped)
        row_ids, row_labels, row_pos, dropped = [], [], [], 0

    for ids, n_prompt in texts:
        split = pieces(ids, n_prompt, seq_len)
        if split is None:
            dropped += 1
            continue
        for piece, labels in split:
            if len(row_ids) + len(piece) > seq_len:
                close()
            row_ids += piece
            row_labels += labels
            row_pos += list(range(len(piece)))
    if row_ids:
        close()
    elif dropped and out["n_dropped"]:
        out["n_dropped"][-1] += dropped  # counted on the last row: a row of padding alone has no loss (NaN)
    elif dropped:
        close()  # every text was dropped: one row of padding carries the count; plan_steps sees 1 row
    return out


def pack_batch(batch: pa.Table, seq_len: int, pad_id: int) -> pa.Table:
    """The whole token stream (one batch) in key order, packed into seq_len rows."""
    ordered = batch.take(pc.sort_indices(batch, sort_keys=[("key", "ascending")]))
    texts = zip(ordered.column("ids").to_pylist(), ordered.column("n_prompt").to_pylist())
    return pa.table(pack_texts(list(texts), seq_len, pad_id), schema=PACKED_SCHEMA)


def packing_stats(rows: pa.Table) -> dict[str, int]:
    """Accounting of a packed table: rows, pad tokens, tokens that carry loss, chats dropped."""
    labels = pc.list_flatten(rows.column("labels"))
    return {"sequences": rows.num_rows,
            "pad_tokens": int(pc.sum(rows.column("n_pad")).as_py() or 0),
            "loss_tokens": int(pc.sum(pc.not_equal(labels, IGNORE)).as_py() or 0),
            "dropped_texts": int(pc.sum(rows.column("n_dropped")).as_py() or 0)}


def tokenize(texts: ray.data.Dataset, tokenizer_path: str) -> ray.data.Dataset:
    """Columns key, prompt, response, text -> key, ids (list<int32>, eos-terminated), n_prompt, n_tokens."""
    return texts.map_batches(tokenize_batch, fn_kwargs={"tokenizer_path": tokenizer_path},
                             batch_size=256, batch_format="pyarrow")


def pack(tokens: ray.data.Dataset, seq_len: int, pad_id: int) -> ray.data.Dataset:
    # Packing is one pass over the whole ordered stream, so it runs as one batch: PIT data per
    # corpus is tens of millions of tokens at most, well within one worker.
    return tokens.repartition(1).map_batches(pack_batch, fn_kwargs={"seq_len": seq_len, "pad_id": pad_id},
                                             batch_size=None, batch_format="pyarrow")
