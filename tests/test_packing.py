"""PIT packing: loss on answers only, whole texts per row, no attention across packed texts."""
from __future__ import annotations

import pyarrow as pa
import pytest
import torch

from mediphi.pit.packing import IGNORE, PACKED_SCHEMA, chat_tokens, pack_batch, pack_texts, packing_stats

SEQ = 32


@pytest.fixture(scope="module")
def tok(tiny_llama):
    from mediphi.models import load_tokenizer

    return load_tokenizer(tiny_llama)


def test_chat_loss_is_on_the_answer_only(tok):
    ids, n_prompt = chat_tokens(tok, "What does ICD-10-CM code A00.0 describe?", "Cholera due to Vibrio cholerae")
    assert 0 < n_prompt < len(ids)
    assert tok.decode(ids[:n_prompt]).endswith("assistant\n")  # the template's assistant header
    assert tok.decode(ids[n_prompt:]).startswith("Cholera due to Vibrio cholerae")

    [row] = pack_texts([(ids + [tok.eos_token_id], n_prompt)], 128, tok.pad_token_id)["labels"]
    trained = [t for t in row if t != IGNORE]
    assert tok.decode(trained).startswith("Cholera due to Vibrio cholerae")
    assert "ICD-10-CM" not in tok.decode(trained)
    assert trained[-1] == tok.eos_token_id


def test_documents_carry_loss_on_every_token_but_the_first():
    doc = list(range(10, 20))
    [labels] = pack_texts([(doc, 0)], SEQ, 0)["labels"]
    assert labels[:10] == [IGNORE] + doc[1:]
    assert labels[10:] == [IGNORE] * (SEQ - 10)  # padding is never trained on


def test_texts_never_straddle_rows_and_positions_restart():
    texts = [(list(range(100, 120)), 5), (list(range(200, 215)), 0), (list(range(300, 310)), 3)]
    rows = pack_texts(texts, SEQ, 0)
    assert len(rows["input_ids"]) == 2  # 20 + 15 > 32: the second text opens a new row
    assert rows["input_ids"][0][:20] == texts[0][0] and rows["n_pad"][0] == 12
    assert rows["input_ids"][1][:25] == texts[1][0] + texts[2][0]
    assert rows["position_ids"][1][:25] == list(range(15)) + list(range(10))
    assert all(len(r) == SEQ for col in ("input_ids", "labels", "position_ids") for r in rows[col])


def test_long_documents_are_cut_and_long_chats_dropped_and_counted():
    doc = list(range(1000, 1000 + 2 * SEQ + 5))
    chat = (list(range(70)), 60)  # its answer cannot fit in one row with its prompt
    rows = pack_texts([(doc, 0), chat], SEQ, 0)
    assert [t for r in rows["input_ids"] for t in r][:len(doc)] == doc
    assert len(rows["input_ids"]) == 3
    table = pa.table(rows, schema=PACKED_SCHEMA)
    stats = packing_stats(table)
    assert stats == {"sequences": 3, "pad_tokens": SEQ - 5, "loss_tokens": len(doc) - 3, "dropped_texts": 1}


def test_a_trailing_dropped_chat_is_counted_without_a_row_of_padding():
    rows = pack_texts([(list(range(10, 20)), 0), (list(range(70)), 60)], SEQ, 0)
    assert len(rows["input_ids"]) == 1 and rows["n_dropped"] == [1]
    assert any(t != IGNORE for t in rows["labels"][0])  # every row carries loss


def test_pack_batch_follows_key_order():
    batch = pa.table({"key": ["b", "a"], "ids": pa.array([[2, 2], [1, 1]], type=pa.list_(pa.int32())),
                      "n_prompt": pa.array([0, 0], type=pa.int32())})
    assert pack_batch(batch, 8, 0).column("input_ids").to_pylist() == [[1, 1, 2, 2, 0, 0, 0, 0]]


def test_a_token_does_not_see_the_other_texts_in_its_row(tiny_llama, tok):
    """The logits of a text packed after another do not depend on that other text; with one
    position sequence for the whole row (what packing did before), they do."""
    from mediphi.models import load_causal_lm

    model = load_causal_lm(tiny_llama).eval()
    text = tok("the patient was given aspirin", add_special_tokens=False)["input_ids"]
    logits = {}
    for name, other in (("short", "hello"), ("long", "an entirely different first text in the row")):
        first = tok(other, add_special_tokens=False)["input_ids"]
        row = pack_texts([(first, 0), (text, 0)], SEQ, tok.pad_token_id)
        ids, pos = torch.tensor(row["input_ids"]), torch.tensor(row["position_ids"])
        with torch.no_grad():
            packed = model(input_ids=ids, position_ids=pos, use_cache=False).logits[0, len(first):len(first) + len(text)]
            shifted = model(input_ids=ids, use_cache=False).logits[0, len(first):len(first) + len(text)]
        logits[name] = packed, shifted
    torch.testing.assert_close(logits["short"][0], logits["long"][0], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(logits["short"][1], logits["long"][1], atol=1e-3)
