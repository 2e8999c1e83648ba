"""``python -m bench.load [--clients 20,40,60] [--method lime] [--sustained 1000]``: is the page reachable while
it computes, and does a long-running server stay the same size?

Starts the app as a server of its own (``python app.py``) and waits for its warm-up (models loaded, methods run
once, UMAP compiled) to end, then for each stage N clients at once,
each in a thread of this process as a script would: connect with ``gradio_client`` (the app's config and API
description) and ask ``/classify`` to explain a text of its own with the bundled classifier. Meanwhile a probe asks
for the page's config (``/config``) every half second. Per stage it prints the answers, the clean refusals (a
sentence from the server: the queue is full), the timeouts and other failures, the mix-ups (an answer whose
explanation is of another client's text), the seconds to an answer (p50, p95), the config's seconds (p50, p95,
slowest), and the server's memory and temporary folders before and after.

``--sustained N`` then asks N explanations more (``--sustained-method``, default occlusion: the serving, not the
method, is measured), ``--at-once`` clients at a time, each a new visitor (a new ``Client``: a new session), and
prints the server's memory and temporary folders after the first 100 and after all N.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
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


class Server:
    """The app as a process of its own; its log read as it comes (a pipe left unread would stall it)."""

    def __init__(self, port: int, temp: Path) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
               "GRADIO_TEMP_DIR": str(temp), "TMPDIR": str(temp)}
        self.process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.pid = self.process.pid
        self.log: list[str] = []
        self.warm = threading.Event()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            if "warm-up done" in line:
                self.warm.set()

    def wait_warm(self, seconds: float = 900) -> None:
        deadline = time.monotonic() + seconds
        while not self.warm.wait(1.0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = "".join(self.log[-20:])
                raise SystemExit(f"the app's warm-up did not end (within {seconds:.0f} s):\n{log}")

    def stop(self) -> int:
        """Stops it; the tracebacks it logged."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return "".join(self.log).count("Traceback")


def warm(url: str, method: str) -> None:
    """One explanation first, so the stages measure serving, not the first model load."""
    from gradio_client import Client

    Client(url, verbose=False).predict("warm up", "intent-minilm", method, api_name="/classify")


def sustained(url: str, total: int, at_once: int, method: str, server: Server, temp: Path) -> dict:
    """``total`` explanations, ``at_once`` at a time, each by a new visitor; the server's size after 100 and at the
    end."""
    from gradio_client import Client

    lock, begun, done, failures, sizes = threading.Lock(), [0], [0], [], {}

    def visitor() -> None:
        while True:
            with lock:
                if begun[0] >= total:
                    return
                begun[0] += 1
                index = begun[0] + 1_000_000
            try:
                client = Client(url, verbose=False)
                client.predict(TEXTS[index % len(TEXTS)].format(n=index), "intent-minilm", method,
                               api_name="/classify")
                client.close()
            except Exception as err:  # (counted and said: the run goes on)
                with lock:
                    failures.append(f"{type(err).__name__}: {str(err)[:100]}")
                continue
            with lock:
                done[0] += 1
                if done[0] in (100, 250, 500, 750, total):
                    sizes[done[0]] = {"rss_mb": rss_mb(server.pid), "temp_mb": folder_mb(temp)}

    started = time.perf_counter()
    threads = [threading.Thread(target=visitor) for _ in range(at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"done": done[0], "failures": failures, "sizes": sizes, "wall_s": time.perf_counter() - started}


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


def probe(url: str, stop, results) -> None:
    """The page's config asked for every half second until ``stop``; its seconds and failures put in ``results``.
    (A process of its own: the clients' threads parsing their answers in this one would slow the probe too.)"""
    seconds, failures = [], []
    while not stop.is_set():
        started = time.perf_counter()
        try:
            urllib.request.urlopen(f"{url}/config", timeout=30).read()
            seconds.append(time.perf_counter() - started)
        except OSError as err:
            failures.append(type(err).__name__)
        stop.wait(0.5)
    results.put((seconds, failures))


def stage(url: str, clients: int, method: str, pid: int, temp: Path) -> dict:
    before = {"rss_mb": rss_mb(pid), "temp_mb": folder_mb(temp)}
    out = []
    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    watcher = spawn.Process(target=probe, args=(url, stop, results), daemon=True)
    watcher.start()
    threads = [threading.Thread(target=one_client, args=(url, i, method, out)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stop.set()
    config_s, config_failures = results.get(timeout=60)
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
    parser.add_argument("--sustained", type=int, default=0, metavar="N",
                        help="then N explanations more by new visitors: the server's size after 100 and after N")
    parser.add_argument("--at-once", type=int, default=4, help="visitors at a time in --sustained (default 4)")
    parser.add_argument("--sustained-method", default="occlusion")
    args = parser.parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = Server(args.port, temp)
    url = f"http://127.0.0.1:{args.port}"
    try:
        server.wait_warm()
        warm(url, args.method)
        for n in (int(c) for c in args.clients.split(",") if c.strip() and int(c) > 0):
            print(f"{n} clients at once ({args.method}) ...", flush=True)
            r = stage(url, n, args.method, server.pid, temp)
            print(f"{n} clients ({args.method}), {r['wall_s']:.1f} s: {r['answer']} answered, {r['refused']} refused, "
                  f"{r['no connection']} could not connect, {r['timeout']} timeouts, {r['error']} other errors, "
                  f"{r['mix-up']} mix-ups; answers p50 {r['answer_p50_s']:.1f} s, p95 {r['answer_p95_s']:.1f} s; "
                  f"config p50 {r['config_p50_s']:.2f} s, p95 {r['config_p95_s']:.2f} s, slowest "
                  f"{r['config_max_s']:.2f} s, {r['config_failures']} failed; server memory "
                  f"{r['before']['rss_mb']:.0f} -> {r['after']['rss_mb']:.0f} MB, temporary folders "
                  f"{r['before']['temp_mb']:.1f} -> {r['after']['temp_mb']:.1f} MB"
                  + (f"; e.g. {r['reasons']}" if r["reasons"] else ""), flush=True)
        if args.sustained:
            r = sustained(url, args.sustained, args.at_once, args.sustained_method, server, temp)
            first, last = r["sizes"].get(100, {}), r["sizes"].get(args.sustained, {})
            series = ", ".join(f"{n}: {size['rss_mb']:.0f} MB / {size['temp_mb']:.1f} MB"
                               for n, size in sorted(r["sizes"].items()))
            print(f"sustained: {r['done']} explanations ({args.sustained_method}) by new visitors, {args.at_once} at "
                  f"a time, {r['wall_s']:.0f} s, {len(r['failures'])} failed; server memory after 100 "
                  f"{first.get('rss_mb', float('nan')):.0f} MB, after {args.sustained} "
                  f"{last.get('rss_mb', float('nan')):.0f} MB; temporary folders after 100 "
                  f"{first.get('temp_mb', float('nan')):.1f} MB, after {args.sustained} "
                  f"{last.get('temp_mb', float('nan')):.1f} MB (memory / temporary folders after each count: {series})"
                  + (f"; e.g. {sorted(set(r['failures']))[:3]}" if r["failures"] else ""), flush=True)
    finally:
        print(f"server tracebacks: {server.stop()}")
        shutil.rmtree(temp, ignore_errors=True)  # (the server's temporary folders: measured, then removed)


if __name__ == "__main__":
    main()
