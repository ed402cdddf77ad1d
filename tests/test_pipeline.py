"""The whole recipe end to end on tiny models, then a rerun that skips every stage."""
import json

from mediphi.config import STAGES
from mediphi.pipeline import run_pipeline
from mediphi.runs import RunDir


def test_pipeline_end_to_end_then_skips(ray_session, tiny_config):
    # MediFlow rows from the demo's grounded teacher: the LLM teacher and judge have their own stage
    # test (test_synthesize), and here they cost minutes of CPU generation.
    from pathlib import Path

    from mediphi.config import RunConfig

    tiny_config = RunConfig.load(Path(__file__).resolve().parents[1] / "configs" / "test.yaml", overrides=[
        f"run.run_dir={tiny_config.run.run_dir}", "synthesize.teacher={kind: grounded}"])
    results = run_pipeline(tiny_config)
    assert [r.stage for r in results] == list(STAGES)
    assert all(r.status == "ran" for r in results), [(r.stage, r.status) for r in results]
    rd = RunDir(tiny_config.run.run_dir)

    # Lineage: each manifest pins the hashes of the manifests it read.
    for name in STAGES:
        m = rd.read_manifest(name)
        assert m["status"] == "complete"
        for upstream, h in m["inputs"].items():
            assert rd.read_manifest(upstream)["hash"] == h

    # Every manifest, report, card and marker is strict JSON (no NaN or Infinity), which any parser reads.
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    written = [p for p in rd.root.rglob("*.json") if p.name in ("manifest.json", "report.json", "effect.json",
               "trials.json", "pipeline.json", "mediphi.json", "trainer_state.json") or p.parent.name == ".done"]
    assert len(written) > 20
    for path in written:
        json.loads(path.read_text(), parse_constant=no_constants)

    report = json.loads((rd.root / "evaluate" / "report.json").read_text())
    served = set(rd.read_manifest("serve")["outputs"]["models"])
    assert {"base", "merged", "aligned"} <= served
    assert any(name.startswith("expert-") for name in served)
    assert (rd.root / "evaluate" / "report.png").stat().st_size > 0

    again = run_pipeline(tiny_config)
    statuses = {r.stage: r.status for r in again}
    assert statuses.pop("serve") == "not needed"
    assert set(statuses.values()) == {"skipped"}
    assert json.loads((rd.root / "evaluate" / "report.json").read_text()) == report
    timeline = json.loads((rd.root / "pipeline.json").read_text())
    assert [t["stage"] for t in timeline] == list(STAGES)

    # A retrained model (a new align manifest) must bring the endpoint back for evaluation.
    from mediphi.pipeline import serve_not_needed
    from mediphi.runs import write_manifest

    assert serve_not_needed(tiny_config, rd)
    aligned = rd.output("align", "aligned")
    write_manifest(rd, "align", {"aligned": aligned, "sft_model": rd.output("align", "sft_model")},
                   note="retrained")
    assert not serve_not_needed(tiny_config, rd)
