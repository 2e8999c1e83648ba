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

# A port nobody uses (a Space's own is 7860, which another app on this machine may hold): STUDIO_CHECK_PORT, else
# a free one; a port already taken stops the check rather than test whatever answers there.
PORT="${STUDIO_CHECK_PORT:-$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
if python -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $PORT)) != 0)"; then
  echo "space check: port $PORT is already in use; free it or set STUDIO_CHECK_PORT to another port"; exit 1
fi

echo "space check: a fresh virtual environment from requirements.txt alone (and spaces, which every Space has)"
python -m venv "$VENV"
# A Space installs requirements.txt, then the platform adds its own \`spaces\` package (Gradio's Space
# reloader needs it at start); nothing else from this project's environment is used. (--no-compile: the modules
# the app imports are compiled as it imports them; compiling every file of every package took 70 of 120 s.)
"$VENV/bin/python" -m pip install -q --no-compile -r requirements.txt spaces
echo "space check: installed in ${SECONDS} s"

# No decoder ships offline: a Space lists small Hub decoders; here a tiny one built by the tests' own code stands
# in, named by STUDIO_MODELS as an operator names a folder, so the Generate tab's endpoints are called too.
# (built by this environment's Python, which has the tests' packages compiled: it is the operator's folder, not the app)
python -c "import sys; from model.tiny.decoders import build; build(sys.argv[1], 'gpt2')" "$WORK/tiny-gpt2"
# (and no token classifier: a tiny tagger, so the Entities tab's endpoints are called too)
python -c "import sys; from model.tiny.architectures import build; build(sys.argv[1], 'bert', head='tokens', seed=3)" \
  "$WORK/tiny-tagger"

echo "space check: app.py as a Space starts it (port $PORT, 0.0.0.0, SPACE_ID, SYSTEM=spaces, no HF_HUB_OFFLINE)"
env -u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE \
  GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT="$PORT" SPACE_ID=studio/space-check SYSTEM=spaces \
  STUDIO_MODELS="$WORK/tiny-gpt2,$WORK/tiny-tagger" \
  "$VENV/bin/python" app.py >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 180); do
  if curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "the app stopped while starting:"; cat "$LOG"; exit 1; fi
  sleep 1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/" || { echo "the app did not answer on port $PORT in 180 s:"; cat "$LOG"; exit 1; }
# The app answering is the one started here: the socket listening on the port belongs to its process.
python scripts/owns_port.py "$PID" "$PORT" || { echo "port $PORT is answered by another process than the app started here"; exit 1; }
echo "space check: the app answered after ${SECONDS} s"

status=0
"$VENV/bin/python" scripts/space_endpoints.py "http://127.0.0.1:$PORT" --log "$LOG" || status=$?
echo "space check: done after ${SECONDS} s"
if [ "$status" -ne 0 ]; then echo "--- the app's log ---"; tail -n 200 "$LOG"; fi
exit "$status"
