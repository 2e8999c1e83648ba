#!/usr/bin/env bash
# Write a ready-to-push ZeroGPU Space folder: bash scripts/make_space.sh DIR [--check | --test]
#   DIR      a new folder: README.md (front matter for ZeroGPU: Python 3.12, zero-a10g), requirements.txt
#            (this project's pins, torch 2.11.0), app.py, model/, explain/, ui/, assets/
#   --check  also resolve DIR/requirements.txt in a fresh venv of Python 3.12 (pip install --dry-run; lime ships
#            only a source archive, so source archives are allowed)
#   --test   also install it there and run the fast test tier of tests/explain and tests/model on the CPU
# Python 3.12 is found as $SPACE_PYTHON, python3.12, or pyenv's newest 3.12.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:?usage: bash scripts/make_space.sh DIR [--check | --test]}"
MODE="${2:-}"
python3 "$ROOT/scripts/make_space.py" "$DIR"
[ -z "$MODE" ] && exit 0

PY="${SPACE_PYTHON:-}"
if [ -z "$PY" ]; then
  PY="$(command -v python3.12 2>/dev/null || true)"
  if [ -z "$PY" ] || ! "$PY" --version >/dev/null 2>&1; then
    PY="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -1 || true)"
  fi
fi
if [ -z "$PY" ] || ! "$PY" --version >/dev/null 2>&1; then
  echo "make_space: no Python 3.12 here (set SPACE_PYTHON=/path/to/python3.12)" >&2
  exit 2
fi
VENV="$(mktemp -d)/venv"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
echo "make_space: resolving $DIR/requirements.txt for $("$VENV/bin/python" --version)"
"$VENV/bin/python" -m pip install --dry-run -q -r "$DIR/requirements.txt" --report "$VENV/../resolved.json"
"$VENV/bin/python" - "$VENV/../resolved.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
got = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in report["install"]}
print(f"make_space: resolved {len(got)} packages; torch {got.get('torch')}, gradio {got.get('gradio')}, "
      f"transformers {got.get('transformers')}")
EOF
[ "$MODE" = "--check" ] && exit 0
if [ "$MODE" = "--test" ]; then
  "$VENV/bin/python" -m pip install -q -r "$DIR/requirements.txt" "pytest==9.2.0" "pytest-timeout==2.4.0"
  cd "$ROOT"
  HF_HUB_OFFLINE=1 STUDIO_DEVICE=cpu "$VENV/bin/python" -m pytest -q -m "not slow" -p no:cacheprovider \
    tests/explain tests/model --ignore=tests/explain/dataset -x
  exit 0
fi
echo "make_space: unknown option $MODE (--check or --test)" >&2
exit 2
