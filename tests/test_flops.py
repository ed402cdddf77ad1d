"""Model FLOPs per token (PaLM's 6N + 12 L H Q T), checked by hand and against real modules."""
from __future__ import annotations

import pytest
import torch

from mediphi.training.flops import matmul_params, measure_peak_flops, model_flops_per_token


def tiny_llama_config():
    from transformers import LlamaConfig

    # The tiny test model's shape (mediphi.models.tiny), with a small vocabulary.
    return LlamaConfig(vocab_size=100, bos_token_id=1, eos_token_id=2, pad_token_id=2, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True)


def test_flops_per_token_by_hand_for_a_tiny_llama():
    # head_dim 32; q and o 64x64 each, k and v 64x(1 kv head x 32) each; gate, up, down 64x128 each
    per_layer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128  # 12,288 + 24,576 = 36,864
    n = 2 * per_layer + 64 * 100  # + the output projection (tied to the embedding, still a matmul)
    assert matmul_params(tiny_llama_config()) == n == 80_128
    # 6N + 12 x layers x hidden x seq_len at seq_len 16
    assert model_flops_per_token(tiny_llama_config(), 16) == 6 * 80_128 + 12 * 2 * 64 * 16 == 505_344


@pytest.mark.parametrize("family", ["llama", "phi3"])
def test_matmul_params_are_the_linear_weights_of_the_model(family):
    """The count from the config is what the built module multiplies through: its nn.Linear
    weights (lm_head included, embedding excluded). Phi3 fuses qkv and gate/up: same count."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from mediphi.models.tiny import TINY

    spec = dict(TINY[family])
    # Special-token ids inside the small vocabulary (Phi3's defaults point past it).
    config = AutoConfig.for_model(spec.pop("model_type"), vocab_size=100, bos_token_id=1, eos_token_id=2,
                                  pad_token_id=2, **spec)
    model = AutoModelForCausalLM.from_config(config)
    linear = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    assert matmul_params(config) == linear


def test_measured_peak_is_positive_and_quick():
    assert measure_peak_flops(torch.float32, seconds=0.05, size=64) > 0
