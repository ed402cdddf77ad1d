"""merge: each expert back into the base (SLERP), then all of them at once (TIES and kin), with
Ray Tune searching the multi-expert parameters on the validation split. mergekit does the math.

This module stays light (config validation imports `mediphi.merge.methods`); the recipe, which
pulls in torch, Ray Tune and mergekit, is imported when the stage runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mediphi.config import RunConfig
from mediphi.runs import RunDir, StageDef, execute

STAGE = StageDef("merge", sections=("model", "merge"), inputs=("prepare", "experts"))


def run(config: RunConfig, run_dir: RunDir | str | Path, force: bool = False) -> dict[str, Any]:
    from mediphi.merge.recipe import body

    return execute(STAGE, config, run_dir, body, force)
