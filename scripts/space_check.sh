#!/usr/bin/env bash
# Start the app the way a Hugging Face Space starts it, from a fresh virtual environment built from
# requirements.txt alone, and call every api_name with valid and with bad input
# (scripts/space_endpoints.py). Fails on any error, any traceback in the app's log, or any
# endpoint slower than its stated bound. Usage: bash scripts/space_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
VENV="$WORK/venv"
LOG="$WORK/app.log"
PID=""
finish() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap finish EXIT

echo "space check: a fresh virtual environment from requirements.txt alone (and spaces, which every Space has)"
python -m venv "$VENV"
# A Space installs requirements.txt, then the platform adds its own \`spaces\` package (Gradio's Space
# reloader needs it at start); nothing else from this project's environment is used.
"$VENV/bin/python" -m pip install -q -r requirements.txt spaces

echo "space check: app.py as a Space starts it (port 7860, 0.0.0.0, SPACE_ID, SYSTEM=spaces, no HF_HUB_OFFLINE)"
env -u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE \
  GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=7860 SPACE_ID=studio/space-check SYSTEM=spaces \
  "$VENV/bin/python" app.py >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 180); do
  if curl -sf -o /dev/null http://127.0.0.1:7860/; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "the app stopped while starting:"; cat "$LOG"; exit 1; fi
  sleep 1
done
curl -sf -o /dev/null http://127.0.0.1:7860/ || { echo "the app did not answer on port 7860 in 180 s:"; cat "$LOG"; exit 1; }

status=0
"$VENV/bin/python" scripts/space_endpoints.py http://127.0.0.1:7860 --log "$LOG" || status=$?
if [ "$status" -ne 0 ]; then echo "--- the app's log ---"; tail -n 200 "$LOG"; fi
exit "$status"
