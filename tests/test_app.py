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
    code = ("import app; from model.loading import load as loading; app.build(); "
            "assert not loading._cache, list(loading._cache); print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


@pytest.mark.slow
def test_page_answers_while_the_warm_up_runs(monkeypatch):
    import app
    from ui import warm_up

    release = threading.Event()
    real_load = warm_up.load_model

    def slow_load(*args, **kwargs):
        release.wait(120)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(warm_up, "load_model", slow_load)
    warm = warm_up.WarmUp()
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


def test_the_operators_folders_appear_in_every_tab_of_their_task(tmp_path):
    """python app.py --model PATH[:task] (and STUDIO_MODELS): the folder's model, under its name, in every
    list of its task; explained like the others."""
    import app
    from model import unregister_model
    from model.loading.load import forget
    from model.tiny.architectures import build
    from ui.classify import classify

    folder = build(tmp_path / "my-roberta", "roberta")
    nli = build(tmp_path / "my-nli", "deberta-v2", head="nli")
    specs = app.register_folders([str(folder), f"{nli}:zero-shot"])
    try:
        assert [(s.name, s.task, s.origin) for s in specs] == [("my-roberta", "classification", "local"),
                                                                ("my-nli", "zero-shot", "local")]
        components = app.build().config["components"]
        said = [c["props"].get("value") for c in components if c["type"] == "markdown"]
        assert any("only the bundled and local models are offered" in str(v) for v in said)  # (not "bundled" alone)
        lists = [[list(c) for c in component["props"]["choices"]] for component in components
                 if component["type"] == "dropdown" and any(
                     str(c[1]) in ("intent-minilm", "minilm-zeroshot") for c in component["props"]["choices"])]
        with_roberta = [choices for choices in lists if ["my-roberta (local folder)", "my-roberta"] in choices]
        with_nli = [choices for choices in lists if ["my-nli (local folder)", "my-nli"] in choices]
        assert len(with_roberta) == 4 and len(with_nli) == 3  # classification tabs; zero-shot, Attention, Inside
        label, bars, *_ = classify("the movie was very good", "my-roberta", "occlusion", "", 0,
                                   progress=lambda *a, **k: None)
        assert set(label) == {"NEGATIVE", "POSITIVE"} and bars.data[0].type == "bar"
        again = app.register_folders([str(folder)])  # the same folder twice: a second, distinct name
        assert again[0].name == "my-roberta-2"
        specs += again
    finally:
        for spec in specs:
            unregister_model(spec.name)
            forget(spec.name)


@pytest.mark.slow
def test_a_refused_folder_stops_the_start_with_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    run = subprocess.run([sys.executable, "app.py", "--model", str(tmp_path / "empty"), "--no-warm-up"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode != 0 and run.stderr.strip().splitlines()[-1] == (
        f"--model {tmp_path / 'empty'}: 'empty' has no config.json: give a folder written by save_pretrained.")


@pytest.mark.slow
def test_the_cli_takes_a_folder(tmp_path):
    import json

    from model.tiny.architectures import build

    build(tmp_path / "checkpoint", "electra")
    run = subprocess.run([sys.executable, "-m", "explain", "--model", "./checkpoint", "--method", "occlusion",
                          "--text", "the movie was very good", "--no-attention"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["model"] == "checkpoint" and data["labels"] == ["NEGATIVE", "POSITIVE"]


def test_only_the_closed_event_loop_noise_is_dropped_from_the_log(monkeypatch):
    """Gradio's Space reloader leaves closed event loops whose collection printed tracebacks into every
    Space's log (gradio-app/gradio#12699); exactly that one is dropped, nothing else."""
    import asyncio
    import sys
    import types

    import app

    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))
    app.quiet_closed_event_loops()  # (from ui.space)

    def report(value, obj):
        sys.unraisablehook(types.SimpleNamespace(exc_type=type(value), exc_value=value, exc_traceback=None,
                                                 err_msg=None, object=obj))

    report(ValueError("Invalid file descriptor: -1"), asyncio.BaseEventLoop.__del__)
    assert seen == []
    report(ValueError("Invalid file descriptor: 7"), asyncio.BaseEventLoop.__del__)
    report(ValueError("Invalid file descriptor: -1"), test_only_the_closed_event_loop_noise_is_dropped_from_the_log)
    report(RuntimeError("anything else"), asyncio.BaseEventLoop.__del__)
    assert len(seen) == 3


def test_a_folder_whose_tokenizer_reads_nothing_or_a_wrong_task_is_refused_at_start(tmp_path):
    """Said at start-up, in so many words: a tokenizer that reads no tokens (it passed, then failed on first
    use saying it "splits single letters"), and ':task' that names no task (it said "'x:bogus' is not a folder")."""
    from tokenizers import Regex, normalizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    import app
    from model.errors import InputError
    from model.tiny.architectures import build

    folder = build(tmp_path / "mute", "bert")
    backend = AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer
    backend.normalizer = normalizers.Replace(Regex(r"[\s\S]"), "")  # every character erased
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        (folder / name).unlink(missing_ok=True)
    PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", mask_token="[MASK]").save_pretrained(str(folder))
    with pytest.raises(InputError, match=r"^--model .*mute: 'mute': its tokenizer reads no tokens in an ordinary "
                                         r"sentence"):
        app.register_folders([str(folder)])
    good = build(tmp_path / "good", "bert")
    with pytest.raises(InputError, match=r"'bogus' after ':' is not a task; give one of classification, zero-shot, "
                                         r"embedding"):
        app.register_folders([f"{good}:bogus"])
