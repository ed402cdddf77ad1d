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


def _code_docs(n: int) -> pa.Table:
    """ICD-10-CM train documents as prepare writes them: real codes, the description in meta."""
    import simple_icd_10_cm as cm

    codes = [c for c in cm.get_all_codes() if cm.is_subcategory(c)][::97][:n]
    return pa.Table.from_pylist([{"doc_id": f"icd10cm:{c}", "corpus": "icd10cm", "title": c,
                                  "text": f"{c}: {cm.get_description(c)}", "split": "train",
                                  "meta": json.dumps({"code": c, "description": cm.get_description(c)})}
                                 for c in codes])


def _register_inputs(run_dir: Path, base: str, tmp: Path) -> dict[str, str]:
    corpora = {}
    for corpus in CORPORA:
        corpora[corpus] = {}
        for split, n in (("train", 3), ("val", 3), ("eval", 3)):
            d = tmp / "prepare" / corpus / split
            d.mkdir(parents=True)
            table = _code_docs(40) if (corpus, split) == ("icd10cm", "train") else _docs(corpus, split, n)
            pq.write_table(table, d / "part-0.parquet")
            corpora[corpus][split] = str(d)
    write_manifest(run_dir, "prepare", outputs={"corpora": corpora, "quarantine": str(tmp / "prepare" / "q")})
    # What PIT taught: every icd10cm train document (the studied-codes task asks about them).
    task_data = tmp / "pit" / "icd10cm.parquet"
    task_data.parent.mkdir(parents=True)
    pq.write_table(_code_docs(40).select(["doc_id"]), task_data)
    write_manifest(run_dir, "pit", outputs={"task_data": {"icd10cm": str(task_data)}})
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

    # A grid of per-expert ratios, chosen on validation; TIES searched with ASHA over two rungs;
    # every merge judged by validation NLL plus a task's validation items.
    from mediphi.config import MergeObjective

    objective = MergeObjective(val_nll=1.0, tasks={"icd10cm_mc_studied": 2.0}, task_items=4)
    cfg = tiny_config.model_copy(update={"merge": tiny_config.merge.model_copy(
        update={"expert_t": [0.25, 0.75], "fidelity_rungs": 2, "objective": objective})})
    assert (cfg.merge.tune_samples, cfg.merge.expert_method, cfg.merge.multi_method) == (2, "slerp", "ties")
    run_dir = Path(cfg.run.run_dir)
    experts = _register_inputs(run_dir, tiny_llama, tmp_path)

    m = merge.run(cfg, run_dir)
    out = m["outputs"]
    stage = run_dir / "merge"
    assert m["status"] == "complete"

    # Per-expert SLERP at the grid point that scored best on validation (each point scored, the
    # scores differ), then the textbook formula on a real tensor; strictly between base and expert.
    base_w = load_file(f"{tiny_llama}/model.safetensors")[PROBE]
    for corpus in CORPORA:
        chosen = m["metrics"]["expert_t"][corpus]
        assert set(chosen["grid"]) == {"0.25", "0.75"} and len(set(chosen["grid"].values())) == 2
        assert str(chosen["t"]) == max(chosen["grid"], key=chosen["grid"].get)
        pe = stage / out["per_expert"][corpus].removeprefix("./")
        merged_w = load_file(str(pe / "model.safetensors"))[PROBE]
        expert_w = load_file(f"{experts[corpus]}/model.safetensors")[PROBE]
        torch.testing.assert_close(merged_w.double(), _slerp(chosen["t"], base_w, expert_w),
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
    assert trials[0]["complete"] and all(t["rungs"] in (1, 2) for t in trials)  # the first runs every rung
    lo_d, hi_d = cfg.merge.search_ranges()["density"]
    lo_w, hi_w = cfg.merge.search_ranges()["weight"]
    for t in trials:
        assert lo_d <= t["params"]["density"] <= hi_d
        assert set(t["params"]["weight"]) == set(CORPORA)
        assert all(lo_w <= w <= hi_w for w in t["params"]["weight"].values())
    assert trials[0]["params"] != trials[1]["params"]
    assert trials[0]["score"] != trials[1]["score"]  # different merges really were scored
    # The second trial reused the first one's actor and its cached inputs: no weights read again.
    assert [t["inputs_reused"] for t in trials] == [False, True]

    # best_params is the argmax of the complete trials' scores, and the model on disk is that merge.
    best = max((t for t in trials if t["complete"]), key=lambda t: t["score"])
    assert out["best_params"] == best["params"] == table["best_params"]
    scores = m["metrics"]["scores"]
    assert scores["merged_in_memory"] == best["score"]
    assert math.isclose(scores["merged_on_disk"], scores["merged_in_memory"], rel_tol=1e-4)
    assert m["metrics"]["scores_match"] is True
    assert set(scores["per_expert"]) == set(CORPORA) and math.isfinite(scores["base"])
    assert len(set([scores["base"], *scores["per_expert"].values()])) == 3

    # The objective is what it says: -NLL + 2 x p(gold) over the task's validation items, never its
    # test items (which evaluate reports); every model scored on the same ones.
    from mediphi.evaluate.offline import eval_split
    from mediphi.merge.objective import gold_prob

    ids = m["metrics"]["objective_items"]["icd10cm_mc_studied"]
    assert 1 <= len(ids) <= 4 and all(eval_split("icd10cm_mc_studied", i) == "validation" for i in ids)
    parts = m["metrics"]["components"]
    for name, score in (("base", scores["base"]), ("merged", scores["merged_on_disk"])):
        c = parts[name]
        assert c["items"] == {"icd10cm_mc_studied": len(ids)} and 0 < c["tasks"]["icd10cm_mc_studied"] < 1
        assert score == pytest.approx(-c["val_nll"] + 2.0 * c["tasks"]["icd10cm_mc_studied"])
    assert all(set(t["components"]["tasks"]) == {"icd10cm_mc_studied"} for t in trials)
    assert gold_prob([-1.0, -1.0, -1.0, -1.0], 2) == pytest.approx(0.25)
    assert gold_prob([-0.1, -5.0, -7.0, -9.0], 0) > 0.9

    # Scored on the val split only, never eval; the chart exists.
    assert m["metrics"]["val_docs"] == cfg.merge.val_docs
    assert all(":val" in d for d in m["metrics"]["val_doc_ids"])
    assert m["counts"]["val_docs"] == {"in": 6, "kept": 4, "filtered": 2}
    assert (stage / out["plot"].removeprefix("./")).read_bytes()[:4] == b"\x89PNG"

    history = pq.read_table(stage / out["history"].removeprefix("./")).to_pylist()
    assert [h["trial"] for h in history] == [t["trial"] for t in trials]
    assert [h["weight[pubmed]"] for h in history] == [t["params"]["weight"]["pubmed"] for t in trials]

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
    """Every name is a mergekit method; each searched parameter is one it declares, per-model ones
    where mergekit takes a value per model; the base is passed exactly when mergekit uses it."""
    from mergekit.merge_methods import get
    from mergekit.merge_methods.base import BasePolicy, ParameterScope

    for name, spec in MULTI_METHODS.items():
        mk = {p.name: p for p in get(name).spec.parameters}
        assert set(spec.searched) <= set(mk), name
        for p in spec.params:
            if p.per_model:
                assert mk[p.name].scope in (ParameterScope.NON_BASE, ParameterScope.INPUT), (name, p.name)
        assert (get(name).spec.contract.base != BasePolicy.IGNORED) == spec.uses_base, name
    for name in EXPERT_METHODS:
        get(name)


def _mid(method) -> dict:
    """Each searched parameter at the middle of its default range (per expert for per-model ones)."""
    return {p.name: ({c: (p.low + p.high) / 2 + 0.05 * i for i, c in enumerate(CORPORA)} if p.per_model
                     else (p.low + p.high) / 2) for p in method.params}


@pytest.fixture(scope="module")
def two_experts(tiny_llama, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("experts")
    return {c: _perturbed_expert(tiny_llama, tmp / c, seed) for seed, c in enumerate(CORPORA, 1)}


def test_every_method_merges_in_memory_as_mergekit_does_on_disk(tiny_llama, two_experts, tmp_path):
    """The Tune trials' in-memory merge and the written merge are the same model, method by method
    (random pruning aside: DARE and DELLA draw in another order, so only their shapes are compared)."""
    from mediphi.merge.methods import mergekit_config
    from mediphi.merge.recipe import run_mergekit
    from mediphi.merge.search import merge_in_memory

    base = load_file(f"{tiny_llama}/model.safetensors")
    for name, method in MULTI_METHODS.items():
        params = _mid(method)
        mem = merge_in_memory(method, tiny_llama, two_experts, params, "float32", seed=0)
        disk = load_file(str(run_mergekit(mergekit_config(method, tiny_llama, two_experts, params, "float32"),
                                          tmp_path / name, card={"title": name}, seed=0) / "model.safetensors"))
        assert set(mem) == set(disk), name
        assert not torch.equal(disk[PROBE], base[PROBE]), name  # it merged something
        for k in disk:
            if method.stochastic:
                assert mem[k].shape == disk[k].shape, (name, k)
            else:
                torch.testing.assert_close(mem[k], disk[k], rtol=1e-5, atol=1e-6, msg=f"{name} {k}")


def test_cached_task_vector_merge_is_mergekits(tiny_llama, two_experts):
    """TIES and task arithmetic from task vectors kept across trials equal mergekit's own in-memory
    merge at any density, weights and lambda (what every trial of a search asks of them)."""
    from mediphi.merge.search import BASE_ID, cached_inputs, merge_cached, merge_inputs, merge_state

    cases = [("task_arithmetic", {"weight": {"icd10cm": 0.7, "pubmed": 0.2}, "lambda": 1.3}),
             ("ties", {"density": 0.35, "weight": {"icd10cm": 0.9, "pubmed": 0.4}, "lambda": 1.6}),
             ("ties", {"density": 1.0, "weight": {"icd10cm": 0.3, "pubmed": 1.0}, "lambda": 1.0}),
             ("ties", {"density": 0.01, "weight": {"icd10cm": 0.5, "pubmed": 0.5}, "lambda": 0.8}),
             ("task_arithmetic", {"weight": {"icd10cm": 0.7, "pubmed": 0.2}, "lambda": 1.3})]
    for name, params in cases:
        method = MULTI_METHODS[name]
        inputs = cached_inputs(merge_inputs(method, tiny_llama, two_experts))
        fast = merge_cached(method, inputs, params, "float32", seed=0)
        assert inputs.vectors is not None and BASE_ID in inputs.state_dicts
        ref = merge_state(method, inputs.state_dicts, params, "float32", seed=0)
        assert set(fast) == set(ref)
        for k in ref:
            torch.testing.assert_close(fast[k], ref[k], rtol=1e-5, atol=1e-6, msg=f"{name} {params} {k}")


def test_exported_yaml_is_what_mergekit_yaml_reproduces(tiny_llama, two_experts, tmp_path):
    """The mergekit_config.yml written next to a merge, run by mergekit's own CLI, gives the same
    tensors (breadcrumbs: the paper's multi-expert method, with its per-model gamma)."""
    import subprocess
    import sys

    from mediphi.merge.methods import mergekit_config
    from mediphi.merge.recipe import run_mergekit

    method = MULTI_METHODS["breadcrumbs"]
    ours = run_mergekit(mergekit_config(method, tiny_llama, two_experts, _mid(method), "float32"),
                        tmp_path / "ours", card={"title": "breadcrumbs"}, seed=0)
    cli = Path(sys.executable).with_name("mergekit-yaml")
    subprocess.run([str(cli), str(ours / "mergekit_config.yml"), str(tmp_path / "cli"), "--random-seed", "0"],
                   check=True, capture_output=True)
    a, b = load_file(str(ours / "model.safetensors")), load_file(str(tmp_path / "cli" / "model.safetensors"))
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_incompatible_models_are_refused_with_what_differs(tiny_llama, tiny_phi3, two_experts, tmp_path):
    import shutil

    from mediphi.config import InputError
    from mediphi.merge.compat import check_compatible

    check_compatible(tiny_llama, two_experts)  # fine-tunes of the base: nothing to say
    with pytest.raises(InputError, match=r"phi3 .*model_type: 'llama' vs 'phi3'"):
        check_compatible(tiny_llama, {"phi3": tiny_phi3})
    other = tmp_path / "other_template"
    shutil.copytree(two_experts["pubmed"], other)
    for f in other.glob("*"):
        if f.name == "chat_template.jinja":
            f.write_text("{% for m in messages %}{{ m.content }}{% endfor %}")
        elif f.name == "tokenizer_config.json" and "chat_template" in f.read_text():
            cfg = json.loads(f.read_text())
            cfg["chat_template"] = "{% for m in messages %}{{ m.content }}{% endfor %}"
            f.write_text(json.dumps(cfg))
    with pytest.raises(InputError, match=r"other .*chat template differs"):
        check_compatible(tiny_llama, {"other": str(other)})


@pytest.mark.parametrize("kind", ["cmaes"])  # tpe, the default, runs in the stage test
def test_search_finds_a_planted_optimum(ray_session, tmp_path, kind):
    """The searcher the merge stage uses, on an objective with its optimum at density 0.7 and every
    weight 0.35: the best trial lands near it, better than the trials' median; ASHA stopped some."""
    import statistics

    from mediphi.merge.search import best_trial, search_space, tune_search

    # Defined here, so Ray pickles it by value (workers cannot import the tests).
    def _planted(config):
        from ray import tune

        for rung in range(3):  # a noisy start, exact at the last rung: what ASHA's rungs look like
            err = (config["density"] - 0.7) ** 2 + sum((w - 0.35) ** 2 for w in config["weight"].values())
            tune.report({"score": -err - 0.1 * (2 - rung)})

    space = search_space(MULTI_METHODS["ties"], list(CORPORA), {"density": (0.3, 1.0), "weight": (0.1, 1.0)})
    rows = tune_search(_planted, space, samples=24, max_concurrent=2, kind=kind, seed=0, n_rungs=3,
                       storage=tmp_path)
    best = best_trial(rows)
    assert best["complete"] and abs(best["params"]["density"] - 0.7) < 0.15
    assert all(abs(w - 0.35) < 0.15 for w in best["params"]["weight"].values())
    assert best["score"] > statistics.median(r["score"] for r in rows if r["complete"])
    assert any(not r["complete"] for r in rows)


def test_an_interrupted_search_resumes_without_repeating_finished_trials(ray_session, tmp_path):
    from ray import tune

    from mediphi.merge.search import tune_search

    def _flaky(config, calls: str):
        """Logs each call; the second call of the first search fails (a trial that died mid-search)."""
        from ray import tune

        log = Path(calls)
        n = len(log.read_text().splitlines()) if log.exists() else 0
        with log.open("a") as f:
            f.write(f"{config['density']}\n")
        if n == 1:
            raise RuntimeError("worker lost")
        tune.report({"score": -abs(config["density"] - 0.5)})

    calls = tmp_path / "calls.txt"
    search = dict(samples=3, max_concurrent=1, kind="random", seed=0, n_rungs=1, storage=tmp_path / "tune",
                  signature="s1")
    fn = tune.with_parameters(_flaky, calls=str(calls))
    space = {"density": tune.uniform(0.0, 1.0)}
    first = tune_search(fn, space, **search)
    (failed,) = [r for r in first if r["error"] is not None]
    second = tune_search(fn, space, **search)  # same signature: resumed
    assert all(r["error"] is None and r["score"] is not None for r in second)
    assert sorted(r["params"]["density"] for r in second) == sorted(r["params"]["density"] for r in first)
    ran = calls.read_text().splitlines()
    # Only the failed trial ran again, with its own parameters.
    assert len(ran) == 4 and ran[3] == ran[1] and float(ran[3]) == failed["params"]["density"]
    tune_search(fn, space, **{**search, "signature": "s2"})  # another search: started over
    assert len(calls.read_text().splitlines()) == 7


def test_merge_config_ranges_are_checked_against_the_method():
    with pytest.raises(ConfigError, match=r"merge: ranges: ties searches density, weight, lambda; no parameter gamma"):
        RunConfig.from_dict({"merge": {"multi_method": "ties", "ranges": {"gamma": [0.0, 0.1]}}})
    with pytest.raises(ConfigError, match=r"della drops with probability density \+/- epsilon"):
        RunConfig.from_dict({"merge": {"multi_method": "della", "density": [0.1, 0.9]}})
    cfg = RunConfig.from_dict({"merge": {"multi_method": "breadcrumbs", "ranges": {"gamma": [0.0, 0.02]},
                                         "expert_t": [0.1, 0.25, 0.5]}})
    # lambda is fixed at mergekit's default (a one-point range) unless the config searches it
    assert cfg.merge.search_ranges() == {"density": (0.3, 1.0), "gamma": (0.0, 0.02), "weight": (0.3, 1.0),
                                         "lambda": (1.0, 1.0)}
    assert cfg.merge.expert_grid == [0.1, 0.25, 0.5]
    with pytest.raises(ConfigError, match="merge.expert_t"):
        RunConfig.from_dict({"merge": {"expert_t": [0.5, 0.5]}})
    # The objective takes offline tasks (merge is not given CLUE+'s data files) with some weight.
    with pytest.raises(ConfigError, match=r"merge.objective.tasks: .*mednli reads a data file"):
        RunConfig.from_dict({"merge": {"objective": {"tasks": {"mednli": 1.0}}}})
    with pytest.raises(ConfigError, match=r"merge.objective: .*every weight is 0"):
        RunConfig.from_dict({"merge": {"objective": {"val_nll": 0, "tasks": {"icd10cm_mc_hard": 0}}}})


def test_linear_expert_merge_is_the_lerp(tiny_llama, tmp_path):
    from mediphi.merge.methods import expert_config
    from mediphi.merge.recipe import run_mergekit

    expert = _perturbed_expert(tiny_llama, tmp_path / "expert", seed=7)
    out = run_mergekit(expert_config(EXPERT_METHODS["linear"], tiny_llama, expert, 0.25, "float32"),
                       tmp_path / "lerp", card={"title": "lerp"}, seed=0)
    a = load_file(f"{tiny_llama}/model.safetensors")[PROBE]
    b = load_file(f"{expert}/model.safetensors")[PROBE]
    torch.testing.assert_close(load_file(str(out / "model.safetensors"))[PROBE], 0.75 * a + 0.25 * b)


def test_objective_parts_cover_every_document_and_item_once_and_sum_by_weight():
    """A multi-fidelity trial scores growing shares; together its parts are everything, once."""
    from mediphi.merge.objective import Objective, Tally, TaskTerm

    obj = Objective(batches=[None] * 5, val_nll=0.5, tasks=[TaskTerm("a", 2.0, [{"id": i} for i in range(7)]),
                                                             TaskTerm("b", 1.0, [{"id": 0}])])
    for rungs, expected in ((1, 1), (3, 3), (9, 5)):  # never more parts than document batches
        parts = obj.parts(rungs)
        assert len(parts) == expected
        assert [i for docs, _ in parts for i in range(5)[docs]] == list(range(5))
        for name, n in (("a", 7), ("b", 1)):
            assert [i for _, items in parts for i in range(n)[items[name]]] == list(range(n))
    tally = Tally(nll=10.0, tokens=4, task_sums={"a": 3.0, "b": 0.0}, task_counts={"a": 4, "b": 0})
    # -0.5 x 2.5 (mean NLL) + 2 x 0.75; b has no item scored yet and adds nothing
    assert tally.score(obj) == pytest.approx(-1.25 + 1.5)
    assert tally.components()["tasks"] == {"a": 0.75}


def test_min_kept_scores_the_smallest_share_of_each_experts_gain(tiny_llama, tiny_config, tmp_path):
    """combine: min_kept: (merged - base) / (expert - base) per task, against the per-expert model of
    the task's domain scored once on the same items; the objective is the smallest share."""
    from mediphi.config import MergeObjective
    from mediphi.merge import STAGE
    from mediphi.merge.objective import Tally, score_model
    from mediphi.merge.recipe import add_references, build_objective
    from mediphi.merge.scoring import tokenize_batches
    from mediphi.models import load_causal_lm, load_tokenizer
    from mediphi.runs import RunDir, StageContext

    objective = MergeObjective(val_nll=0.5, tasks={"icd10cm_mc_studied": 1.0}, task_items=6, combine="min_kept")
    cfg = tiny_config.model_copy(update={"merge": tiny_config.merge.model_copy(update={"objective": objective})})
    run_dir = Path(cfg.run.run_dir)
    experts = _register_inputs(run_dir, tiny_llama, tmp_path)
    ctx = StageContext(STAGE, cfg, RunDir(run_dir), run_dir / "merge", inputs={})
    tok = load_tokenizer(tiny_llama)
    obj = build_objective(ctx, tokenize_batches(tok, TEXTS[:2], 64))
    assert [(t.name, t.domain) for t in obj.tasks] == [("icd10cm_mc_studied", "icd10cm")] and obj.tasks[0].items
    # Random weights rarely "gain": the reference is whichever of the two models scores higher, so
    # that the expert has a gain to keep (which one is base does not matter to the arithmetic).
    probe = {p: score_model(load_causal_lm(p), tok, obj)[1]["tasks"]["icd10cm_mc_studied"]
             for p in (tiny_llama, experts["icd10cm"])}
    low, high = sorted(probe, key=probe.get)
    assert probe[high] > probe[low]

    refd = add_references(ctx, obj, low, {"icd10cm": high, "pubmed": experts["pubmed"]})
    ref = refd.tasks[0].reference
    assert ref["expert_name"] == "icd10cm" and len(ref["base"]) == len(ref["expert"]) == len(obj.tasks[0].items)
    assert sum(ref["expert"]) / len(ref["expert"]) == pytest.approx(probe[high])
    for path, share in ((low, 0.0), (high, 1.0)):
        score, c = score_model(load_causal_lm(path), tok, refd)
        assert c["kept"] == {"icd10cm_mc_studied": pytest.approx(share, abs=1e-9)}
        assert score == pytest.approx(share - 0.5 * c["val_nll"])
    # Scored once: a second call reads the references back.
    assert add_references(ctx, obj, "/nonexistent", {}).tasks[0].reference == ref
    # A single expert's view (the per-expert t grid) is the weighted sum over its domain's tasks.
    assert obj.for_domain("pubmed").tasks == [] and obj.for_domain("icd10cm").combine == "sum"

    # The smallest share wins; a task whose expert gained nothing is left out.
    tally = Tally(nll=4.0, tokens=2, task_sums={"a": 3.0, "b": 1.0, "c": 9.0}, task_counts={"a": 2, "b": 2, "c": 2},
                  ref_sums={"a": (1.0, 5.0), "b": (0.0, 4.0), "c": (2.0, 2.0)})
    assert tally.kept() == {"a": 0.5, "b": 0.25}
    assert tally.score(refd) == pytest.approx(0.25 - 0.5 * 2.0)

    # The record: each trial's shares in the history, and the two-expert chart.
    from mediphi.merge.report import plot_kept, write_history

    rows = [{"trial": i, "params": {"density": d}, "score": min(k.values()), "complete": True, "error": None,
             "components": {"kept": k}} for i, (d, k) in enumerate([(0.5, {"a": 0.5, "b": 0.9}), (0.7, {"a": 0.85, "b": 0.6})])]
    history = pq.read_table(write_history(rows, tmp_path / "h.parquet")).to_pylist()
    assert [(h["kept[a]"], h["kept[b]"]) for h in history] == [(0.5, 0.9), (0.85, 0.6)]
    assert plot_kept(rows, rows[1], tmp_path / "kept.png").read_bytes()[:4] == b"\x89PNG"
    assert plot_kept([{**rows[0], "components": {"kept": {"a": 1.0}}}], rows[0], tmp_path / "none.png") is None


def test_reference_token_prob_is_the_geometric_mean_of_the_answers_token_probabilities(tiny_llama):
    from mediphi.engines.hf import HFEngine
    from mediphi.merge.objective import item_scores, reference_token_probs
    from mediphi.models import load_causal_lm, load_tokenizer

    model, tok = load_causal_lm(tiny_llama), load_tokenizer(tiny_llama)
    items = [{"id": "a", "messages": [{"role": "user", "content": "Abstract: sepsis in children."}],
              "reference": "Sepsis in children"},
             {"id": "b", "messages": [{"role": "user", "content": "Abstract: asthma."}], "reference": "Asthma care"}]
    engine = HFEngine.from_model(model, tok)
    got = reference_token_probs(engine, items)
    for it, p in zip(items, got):
        prompt = tok(engine.render(it["messages"]), add_special_tokens=False)["input_ids"]
        answer = tok(it["reference"], add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([prompt + answer])).logits[0].float()
        lp = torch.log_softmax(logits[len(prompt) - 1:-1], -1).gather(1, torch.tensor(answer)[:, None])
        assert p == pytest.approx(math.exp(lp.mean().item()), rel=1e-4) and 0 < p < 1
    # pubmed_title's items carry one reference string: gold_token_prob scores them without generating.
    assert item_scores(model, tok, "pubmed_title", items, "gold_prob", "gold_token_prob") == pytest.approx(got)
