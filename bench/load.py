"""``python -m bench.load [--clients 20,40,60] [--method lime]``: is the page reachable while it computes?

Starts the app as a server of its own (``python app.py``, models warmed up), then for each stage N clients at once,
each in a thread of this process as a script would: connect with ``gradio_client`` (the app's config and API
description) and ask ``/classify`` to explain a text of its own with the bundled classifier. Meanwhile a probe asks
for the page's config (``/config``) every half second. Per stage it prints the answers, the clean refusals (a
sentence from the server: the queue is full), the timeouts and other failures, the mix-ups (an answer whose
explanation is of another client's text), the seconds to an answer (p50, p95), the config's seconds (p50, p95,
slowest), and the server's memory and temporary folders before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["transfer {n} dollars from checking to savings", "my card number {n} was declined at the store",
         "set a timer for {n} minutes", "what is the weather like in city number {n}"]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20 if folder.exists() else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def start_server(port: int, temp: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_TEMP_DIR": str(temp),
           "TMPDIR": str(temp)}
    server = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5).read()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the app did not answer within 300 s")


def warm(url: str, method: str) -> None:
    """One explanation first, so the stages measure serving, not the first model load."""
    from gradio_client import Client

    Client(url, verbose=False).predict("warm up", "intent-minilm", method, api_name="/classify")


def one_client(url: str, index: int, method: str, out: list) -> None:
    from gradio_client import Client

    text = TEXTS[index % len(TEXTS)].format(n=index)
    started = time.perf_counter()
    try:
        client = Client(url, verbose=False)
    except Exception as err:  # (what a script sees: a connection that never came)
        out.append(("no connection", type(err).__name__, time.perf_counter() - started))
        return
    try:
        answer = client.predict(text, "intent-minilm", method, api_name="/classify")
    except Exception as err:
        said = str(err)
        kind = "refused" if "queue" in said.lower() or "busy" in said.lower() else \
            "timeout" if "timeout" in type(err).__name__.lower() or "timed out" in said.lower() else "error"
        out.append((kind, f"{type(err).__name__}: {said[:120]}", time.perf_counter() - started))
        return
    explained = next((f for f in answer[-1] if str(f).endswith(".json")), None)
    own = explained is not None and json.loads(Path(explained).read_text(encoding="utf-8")).get("text") == text
    out.append(("answer" if own else "mix-up", "", time.perf_counter() - started))


def probe(url: str, stop: threading.Event, seconds: list, failures: list) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            urllib.request.urlopen(f"{url}/config", timeout=30).read()
            seconds.append(time.perf_counter() - started)
        except OSError as err:
            failures.append(type(err).__name__)
        stop.wait(0.5)


def stage(url: str, clients: int, method: str, pid: int, temp: Path) -> dict:
    before = {"rss_mb": rss_mb(pid), "temp_mb": folder_mb(temp)}
    out, config_s, config_failures = [], [], []
    stop = threading.Event()
    watcher = threading.Thread(target=probe, args=(url, stop, config_s, config_failures), daemon=True)
    watcher.start()
    threads = [threading.Thread(target=one_client, args=(url, i, method, out)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    counts = {kind: sum(1 for k, _, _ in out if k == kind) for kind in
              ("answer", "refused", "no connection", "timeout", "error", "mix-up")}
    answered = [s for k, _, s in out if k == "answer"]
    reasons = sorted({why for k, why, _ in out if k != "answer" and why})[:3]
    return {"clients": clients, "method": method, "wall_s": wall, **counts,
            "answer_p50_s": percentile(answered, 0.5), "answer_p95_s": percentile(answered, 0.95),
            "config_p50_s": percentile(config_s, 0.5), "config_p95_s": percentile(config_s, 0.95),
            "config_max_s": max(config_s, default=float("nan")), "config_failures": len(config_failures),
            "before": before, "after": {"rss_mb": rss_mb(pid), "temp_mb": folder_mb(temp)}, "reasons": reasons}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="20,40,60", help="clients at once, per stage (default 20,40,60)")
    parser.add_argument("--method", default="lime")
    parser.add_argument("--port", type=int, default=7870)
    args = parser.parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = start_server(args.port, temp)
    url = f"http://127.0.0.1:{args.port}"
    try:
        warm(url, args.method)
        for n in (int(c) for c in args.clients.split(",")):
            r = stage(url, n, args.method, server.pid, temp)
            print(f"{n} clients ({args.method}), {r['wall_s']:.1f} s: {r['answer']} answered, {r['refused']} refused, "
                  f"{r['no connection']} could not connect, {r['timeout']} timeouts, {r['error']} other errors, "
                  f"{r['mix-up']} mix-ups; answers p50 {r['answer_p50_s']:.1f} s, p95 {r['answer_p95_s']:.1f} s; "
                  f"config p50 {r['config_p50_s']:.2f} s, p95 {r['config_p95_s']:.2f} s, slowest "
                  f"{r['config_max_s']:.2f} s, {r['config_failures']} failed; server memory "
                  f"{r['before']['rss_mb']:.0f} -> {r['after']['rss_mb']:.0f} MB, temporary folders "
                  f"{r['before']['temp_mb']:.1f} -> {r['after']['temp_mb']:.1f} MB"
                  + (f"; e.g. {r['reasons']}" if r["reasons"] else ""), flush=True)
    finally:
        server.terminate()
        try:
            _, errors = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, errors = server.communicate()
        tracebacks = (errors or "").count("Traceback")
        print(f"server tracebacks: {tracebacks}")
        shutil.rmtree(temp, ignore_errors=True)  # (the server's temporary folders: measured, then removed)


if __name__ == "__main__":
    main()
