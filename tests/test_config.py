from pathlib import Path

import pytest
import yaml

from mediphi.config import ConfigError, RunConfig

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["demo.yaml", "test.yaml", "phi35-cluster.yaml"])
def test_shipped_configs_validate_and_round_trip(name, tmp_path):
    cfg = RunConfig.load(REPO / "configs" / name)
    again = tmp_path / "again.yaml"
    again.write_text(cfg.to_yaml())
    assert RunConfig.load(again) == cfg


def test_errors_name_the_field_and_the_fix(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "experts": {"phase1": {"num_workers": 0, "lr": 1e-4}},
        "prepare": {"corpora": [{"name": "notes", "kind": "jsonl"}]},
        "pit": {"teacher": {"kind": "openai"}},
    }))
    with pytest.raises(ConfigError) as e:
        RunConfig.load(bad)
    lines = str(e.value).splitlines()
    assert len(lines) == 4
    text = str(e.value)
    assert "experts.phase1.num_workers: Input should be greater than or equal to 1 (got 0)" in text
    assert "experts.phase1.lr: unknown field" in text
    assert "prepare.corpora.0: corpus kind 'jsonl' needs a path" in text
    assert "pit.teacher: kind 'openai' needs base_url" in text
    assert all(line.startswith(str(bad)) for line in lines)


def test_invalid_yaml_and_missing_file(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("run: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        RunConfig.load(p)
    with pytest.raises(ConfigError, match="config file not found"):
        RunConfig.load(tmp_path / "nope.yaml")


def test_overrides_are_typed_and_validated():
    cfg = RunConfig.load(REPO / "configs" / "test.yaml", ["experts.phase1.max_steps=7", "run.name=x"])
    assert cfg.experts.phase1.max_steps == 7 and cfg.run.name == "x"
    with pytest.raises(ConfigError, match="experts.phase1.max_steps"):
        RunConfig.load(REPO / "configs" / "test.yaml", ["experts.phase1.max_steps=many"])


def test_section_hash_tracks_only_its_sections():
    a = RunConfig.load(REPO / "configs" / "test.yaml")
    b = RunConfig.load(REPO / "configs" / "test.yaml", ["evaluate.max_items=99"])
    assert a.section_hash("prepare", "pit") == b.section_hash("prepare", "pit")
    assert a.section_hash("evaluate") != b.section_hash("evaluate")


def test_pit_per_corpus_settings_replace_the_shared_ones():
    from mediphi.config import ConfigError, RunConfig

    corpora = [{"name": "codes", "kind": "icd10cm"}, {"name": "papers", "kind": "pubmed"}]
    cfg = RunConfig.from_dict({"prepare": {"corpora": corpora}, "pit": {
        "tasks": ["qa", "summary"], "grounded_per_doc": 4, "max_docs_per_corpus": 100,
        "per_corpus": {"codes": {"tasks": ["qa"], "max_docs": 7}}}})
    codes, papers = cfg.pit.for_corpus("codes"), cfg.pit.for_corpus("papers")
    assert (codes.tasks, codes.grounded_per_doc, codes.max_docs_per_corpus) == (["qa"], 4, 7)
    assert (papers.tasks, papers.max_docs_per_corpus) == (["qa", "summary"], 100)
    with pytest.raises(ConfigError, match=r"pit\.per_corpus: no corpus named cods .*fix the name"):
        RunConfig.from_dict({"prepare": {"corpora": corpora}, "pit": {"per_corpus": {"cods": {"tasks": ["qa"]}}}})
    with pytest.raises(ConfigError, match=r"pit\.per_corpus\.codes\.tasks"):
        RunConfig.from_dict({"prepare": {"corpora": corpora}, "pit": {"per_corpus": {"codes": {"tasks": ["quiz"]}}}})
