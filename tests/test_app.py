"""The page is served before the models are warmed; a request that comes first waits for its model."""
from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_building_the_page_loads_no_model():
    code = ("import app; from model import loading; app.build(); "
            "assert not loading._cache, list(loading._cache); print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


@pytest.mark.slow
def test_page_answers_while_the_warm_up_runs(monkeypatch):
    import app

    release = threading.Event()
    real_load = app.load_model

    def slow_load(*args, **kwargs):
        release.wait(120)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(app, "load_model", slow_load)
    warm = app.WarmUp()
    demo = app.build()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    try:
        warm.start()
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        assert warm.thread.is_alive() and not warm.done.is_set()  # the page came first
        release.set()
        assert warm.done.wait(300)
    finally:
        release.set()
        demo.close()


def test_a_request_before_its_model_is_loaded_says_so(monkeypatch):
    from ui import models

    messages = []
    monkeypatch.setattr(models, "is_loaded", lambda name: False)
    monkeypatch.setattr(models, "load_model", lambda name, task=None: "the model")
    assert models.resolve("minilm-embed", "embedding", lambda value, desc: messages.append(desc)) == "the model"
    assert messages == ["Loading minilm-embed (first use since the server started)…"]
