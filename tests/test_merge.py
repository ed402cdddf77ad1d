"""merge stage: real mergekit on disk and in memory, a real Ray Tune search, on a tiny Llama."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from safetensors.torch import load_file

from mediphi.config import ConfigError, RunConfig
from mediphi.merge.methods import EXPERT_METHODS, MULTI_METHODS
from mediphi.runs import write_manifest

CORPORA = ("icd10cm", "pubmed")
PROBE = "model.layers.0.mlp.down_proj.weight"  # a tensor to check the merge arithmetic on

TEXTS = [
    "Type 2 diabetes mellitus with diabetic chronic kidney disease requires tight glucose control.",
    "Acute myocardial infarction presents with chest pain radiating to the left arm and sweating.",
    "Community-acquired pneumonia is treated with antibiotics chosen by severity and local resistance.",
    "Hypertension increases the risk of stroke, heart failure and chronic kidney disease.",
    "Asthma exacerbations are managed with inhaled bronchodilators and systemic corticosteroids.",
    "Sepsis is a life-threatening organ dysfunction caused by a dysregulated response to infection.",
]


def _perturbed_expert(base: str, out: Path, seed: int) -> str:
    """A stand-in for a trained expert: the base plus small deterministic noise on every weight."""
    from mediphi.models import load_causal_lm, load_tokenizer, save_model

    model = load_causal_lm(base)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=gen))
    save_model(model, load_tokenizer(base), out, {"title": f"fake expert {seed}", "role": "test"})
    return str(out)


def _docs(corpus: str, split: str, n: int) -> pa.Table:
    rows = [{"doc_id": f"{corpus}:{split}{i}", "corpus": corpus, "title": f"{split} note {i}",
             "text": TEXTS[(i + len(corpus)) % len(TEXTS)], "meta": "{}", "split": split} for i in range(n)]
    return pa.Table.from_pylist(rows)


def _register_inputs(run_dir: Path, base: str, tmp: Path) -> dict[str, str]:
    corpora = {}
    for corpus in CORPORA:
        corpora[corpus] = {}
        for split, n in (("train", 3), ("val", 3), ("eval", 3)):
            d = tmp / "prepare" / corpus / split
            d.mkdir(parents=True)
            pq.write_table(_docs(corpus, split, n), d / "part-0.parquet")
            corpora[corpus][split] = str(d)
    write_manifest(run_dir, "prepare", outputs={"corpora": corpora, "quarantine": str(tmp / "prepare" / "q")})
    experts = {c: _perturbed_expert(base, tmp / "experts" / c, seed) for seed, c in enumerate(CORPORA, 1)}
    write_manifest(run_dir, "experts", outputs={"experts": experts})
    return experts


def _slerp(t: float, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Textbook SLERP of two whole tensors, as vectors."""
    x, y = a.flatten().double(), b.flatten().double()
    theta = torch.acos((x / x.norm()).dot(y / y.norm()).clamp(-1, 1))
    return ((torch.sin((1 - t) * theta) * x + torch.sin(t * theta) * y) / torch.sin(theta)).reshape(a.shape)


def test_merge_stage_end_to_end(ray_session, tiny_llama, tiny_config, tmp_path):
    import mediphi.merge as merge
    from mediphi.models import load_causal_lm, load_tokenizer

    cfg = tiny_config
    assert (cfg.merge.tune_samples, cfg.merge.expert_method, cfg.merge.multi_method) == (2, "slerp", "ties")
    run_dir = Path(cfg.run.run_dir)
    experts = _register_inputs(run_dir, tiny_llama, tmp_path)

    m = merge.run(cfg, run_dir)
    out = m["outputs"]
    stage = run_dir / "merge"
    assert m["status"] == "complete"

    # Per-expert SLERP: the textbook formula on a real tensor; strictly between base and expert.
    base_w = load_file(f"{tiny_llama}/model.safetensors")[PROBE]
    for corpus in CORPORA:
        pe = stage / out["per_expert"][corpus].removeprefix("./")
        merged_w = load_file(str(pe / "model.safetensors"))[PROBE]
        expert_w = load_file(f"{experts[corpus]}/model.safetensors")[PROBE]
        torch.testing.assert_close(merged_w.double(), _slerp(cfg.merge.expert_t, base_w, expert_w),
                                   rtol=1e-5, atol=1e-6)
        assert not torch.allclose(merged_w, base_w) and not torch.allclose(merged_w, expert_w)
        assert (pe / "mergekit_config.yml").is_file() and "slerp" in (pe / "README.md").read_text()

    # The merged model is a complete HF dir: loads, has the tokenizer and the chat template.
    merged_dir = stage / out["merged"].removeprefix("./")
    tok = load_tokenizer(str(merged_dir))
    prompt = tok.apply_chat_template([{"role": "user", "content": "What is sepsis?"}], tokenize=False,
                                     add_generation_prompt=True)
    assert "What is sepsis?" in prompt
    assert load_causal_lm(str(merged_dir)).config.num_hidden_layers == 2
    assert "ties" in (merged_dir / "mergekit_config.yml").read_text()

    # Tune ran tune_samples trials, each with its own parameters inside the ranges.
    table = json.loads((stage / out["trials"].removeprefix("./")).read_text())
    trials = table["trials"]
    assert len(trials) == cfg.merge.tune_samples
    assert len(list((stage / "tune" / "search").glob("merge_trial_*"))) == cfg.merge.tune_samples
    assert all(t["error"] is None and math.isfinite(t["score"]) for t in trials)
    lo_d, hi_d = cfg.merge.density
    lo_w, hi_w = cfg.merge.weight
    for t in trials:
        assert lo_d <= t["params"]["density"] <= hi_d
        assert set(t["params"]["weight"]) == set(CORPORA)
        assert all(lo_w <= w <= hi_w for w in t["params"]["weight"].values())
    assert trials[0]["params"] != trials[1]["params"]
    assert trials[0]["score"] != trials[1]["score"]  # different merges really were scored

    # best_params is the argmax of the trial scores, and the model on disk is that merge.
    best = max(trials, key=lambda t: t["score"])
    assert out["best_params"] == best["params"] == table["best_params"]
    scores = m["metrics"]["scores"]
    assert scores["merged_in_memory"] == best["score"]
    assert math.isclose(scores["merged_on_disk"], scores["merged_in_memory"], rel_tol=1e-4)
    assert m["metrics"]["scores_match"] is True
    assert set(scores["per_expert"]) == set(CORPORA) and math.isfinite(scores["base"])
    assert len(set([scores["base"], *scores["per_expert"].values()])) == 3

    # Scored on the val split only, never eval; the chart exists.
    assert m["metrics"]["val_docs"] == cfg.merge.val_docs
    assert all(":val" in d for d in m["metrics"]["val_doc_ids"])
    assert m["counts"]["val_docs"] == {"in": 6, "kept": 4, "filtered": 2}
    assert (stage / out["plot"].removeprefix("./")).read_bytes()[:4] == b"\x89PNG"

    # Rerun with nothing changed: skipped.
    again = merge.run(cfg, run_dir)
    assert again["finished_at"] == m["finished_at"]

    # A run that died after its sub-steps resumes without redoing them: same trials, same model.
    manifest = json.loads((stage / "manifest.json").read_text())
    (stage / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    weights_mtime = (merged_dir / "model.safetensors").stat().st_mtime_ns
    resumed = merge.run(cfg, run_dir)
    assert resumed["resumed"] is True and resumed["outputs"]["best_params"] == out["best_params"]
    assert (merged_dir / "model.safetensors").stat().st_mtime_ns == weights_mtime
    assert resumed["metrics"]["scores"] == scores


def test_unknown_merge_method_fails_at_config_load(tmp_path):
    with pytest.raises(ConfigError) as e:
        RunConfig.from_dict({"merge": {"multi_method": "tie"}}, source="bad.yaml")
    assert "merge.multi_method" in str(e.value)
    assert "known: " + ", ".join(MULTI_METHODS) in str(e.value)
    with pytest.raises(ConfigError, match="merge.expert_method.*known: slerp, linear"):
        RunConfig.from_dict({"merge": {"expert_method": "slurp"}})
    with pytest.raises(ConfigError, match="merge.density"):
        RunConfig.from_dict({"merge": {"density": [0.5, 1.5]}})


def test_method_registry_matches_mergekit():
    """Every name is a mergekit method, and each searched parameter is one that method takes."""
    from mergekit.merge_methods import get
    from mergekit.merge_methods.base import BasePolicy

    for name, spec in MULTI_METHODS.items():
        mk = get(name).spec
        assert set(spec.searched) <= {p.name for p in mk.parameters}, name
        assert (mk.contract.base == BasePolicy.REQUIRED) == spec.uses_base, name
    for name in EXPERT_METHODS:
        get(name)


def test_linear_expert_merge_is_the_lerp(tiny_llama, tmp_path):
    from mediphi.merge.methods import expert_config
    from mediphi.merge.recipe import run_mergekit

    expert = _perturbed_expert(tiny_llama, tmp_path / "expert", seed=7)
    out = run_mergekit(expert_config(EXPERT_METHODS["linear"], tiny_llama, expert, 0.25, "float32"),
                       tmp_path / "lerp", card={"title": "lerp"}, seed=0)
    a = load_file(f"{tiny_llama}/model.safetensors")[PROBE]
    b = load_file(f"{expert}/model.safetensors")[PROBE]
    torch.testing.assert_close(load_file(str(out / "model.safetensors"))[PROBE], 0.75 * a + 0.25 * b)
