"""Shared fixtures. Everything is offline: the Hub is never contacted."""
from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("STUDIO_DEVICE", "cpu")
os.environ.setdefault("STUDIO_CACHE", tempfile.mkdtemp(prefix="studio-cache-"))  # ONNX exports made afresh
if os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers share the cores: one thread each, no oversubscription
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import pytest  # noqa: E402

from tests.tiny_models import build_hub_cache  # noqa: E402

SLOW_FIXTURES = {"intent_model", "embed_model", "zeroshot_model", "launched", "client", "page", "ray_session"}
APP_FIXTURES = {"launched", "client", "page", "module_page", "browser_context", "chromium"}


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Tests that use a bundled model, the running app or the browser are the slow tier. Under
    ``pytest -n 2 --dist loadgroup`` (scripts/test.sh) the tests of the running app and the browser go to
    one worker together, so the app and Chromium start once; every other test goes where there is room."""
    for item in items:  # marked before every other implementation runs (xdist's reads the marks)
        # (a parametrized test may ask for its model by name, via request.getfixturevalue)
        params = getattr(getattr(item, "callspec", None), "params", {}).values()
        wanted = set(getattr(item, "fixturenames", ())) | {p for p in params if isinstance(p, str)}
        if SLOW_FIXTURES & wanted:
            item.add_marker(pytest.mark.slow)
        if APP_FIXTURES & wanted:
            item.add_marker(pytest.mark.xdist_group("app"))
        elif "ray_session" in wanted:  # one worker's Ray serves every test that runs on Ray
            item.add_marker(pytest.mark.xdist_group("ray"))
    result = yield
    if config.getoption("loadgroup", False):
        _group_ids(items)
        # The app's group first: it runs on one worker from the start while the other takes everything else
        # (scheduled in collection order, it started half-way and ran alone for minutes at the end).
        items[:] = sorted(items, key=lambda item: item.get_closest_marker("xdist_group") is None)
    return result


def _group_ids(items) -> None:
    """xdist 3.8 (the newest) tells its scheduler a test's group by renaming the test ``id@group``, through
    an attribute pytest 9 no longer reads (``_nodeid``; pytest 9 keeps ``_id``), so the groups were ignored
    and both workers started the app and Chromium, each starving the other. Rename it where pytest reads it."""
    from _pytest.nodeid import coerce_node_id

    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{mark.args[0]}")


@pytest.fixture(autouse=True, scope="session")
def no_time_budget():
    """No test but those about the time budget can run out of it on a slow or busy machine: the default
    budgets are lifted (the budget's own tests give theirs, on a fake clock or explicitly)."""
    from model import budget
    from ui import dataset, explaining

    saved = budget.DEFAULT_SECONDS, explaining.SECONDS_PER_EXPLANATION, dataset.SECONDS
    budget.DEFAULT_SECONDS = explaining.SECONDS_PER_EXPLANATION = dataset.SECONDS = None
    yield
    budget.DEFAULT_SECONDS, explaining.SECONDS_PER_EXPLANATION, dataset.SECONDS = saved


@pytest.fixture(scope="session")
def ray_session():
    """One Ray for the whole run, started as the Ray engine starts it (a local one with 2 CPUs, or the cluster at
    ``RAY_ADDRESS``): the engine in this process then uses it, and a CLI in a subprocess joins it through the
    address this gives, as it would join a cluster. (Once, not once per test: each start cost tens of seconds.)"""
    ray = pytest.importorskip("ray")
    from explain.dataset.ray_engine import start_ray

    start_ray(ray, 2, ())
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="session")
def hub_cache(tmp_path_factory) -> str:
    """A Hub cache holding tiny test-built models, passed as ``cache_dir``."""
    return str(build_hub_cache(tmp_path_factory.mktemp("hf")))


@pytest.fixture(scope="session")
def intent_model():
    from model import load_model

    return load_model("intent-minilm")


@pytest.fixture(scope="session")
def embed_model():
    from model import load_model

    return load_model("minilm-embed")


@pytest.fixture(scope="session")
def zeroshot_model():
    from model import load_model

    return load_model("minilm-zeroshot")


@pytest.fixture(scope="session")
def additive(hub_cache):
    """The synthetic additive classifier (known attributions) on the tiny BERT tokenizer."""
    from pathlib import Path

    from transformers import AutoTokenizer

    from tests.synthetic import AdditiveModel
    from tests.tiny_models import snapshot_dir

    return AdditiveModel(AutoTokenizer.from_pretrained(str(snapshot_dir(Path(hub_cache), "tiny/bert-nli"))))


TINY_DECODER = "tiny-gpt2"  # (the app's tests list a tiny decoder in the Generate tab, as an operator's folder)
TINY_TAGGER = "tiny-tagger"  # (and a tiny token classifier in the Entities tab)


@pytest.fixture(scope="session")
def launched(tmp_path_factory):
    import app
    from model.loading.operator import register_folder
    from model.tiny import architectures
    from model.tiny.decoders import build

    register_folder(build(tmp_path_factory.mktemp("decoder") / TINY_DECODER, "gpt2"))
    register_folder(architectures.build(tmp_path_factory.mktemp("tagger") / TINY_TAGGER, "bert", head="tokens", seed=3))
    demo = app.build()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            css=app.CSS, i18n=app.I18N, allowed_paths=[str(app.ASSETS)],
                            **app.launch_options(demo))
    yield demo, url
    demo.close()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for every browser test of the run (Playwright's sync API allows one per thread)."""
    from tests.browser import ARGS, CHROMIUM

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(chromium):
    """The English pages' context: its pages share the browser's cache, and each is a session of its own on the
    server."""
    from tests.browser import new_context

    context = new_context(chromium)
    yield context
    context.close()


@pytest.fixture(scope="module")
def module_page(launched, browser_context):
    """One page of the running app per test module. (A fresh page per test cost 4 CPU seconds each, 2.5 in Chromium
    and 1.4 in the server building the page's config: 200 s over the run, a third of what the suite may spend.)"""
    from tests.browser import open_page

    page = open_page(browser_context, launched[1])
    yield page
    page.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        item.stash[CALL_REPORT] = report
    return report


CALL_REPORT = pytest.StashKey()


@pytest.fixture
def page(request, module_page):
    """The module's page, ready for the next test (tests/browser.py's ``ready``): no event of an earlier test still
    running, no message on screen, its dialogs and requests counted from here. After a failure, what the page
    showed is kept (``keep_evidence``) and the page is loaded afresh for the tests after it."""
    from tests.browser import keep_evidence, ready, reload

    ready(module_page)
    yield module_page
    report = request.node.stash.get(CALL_REPORT, None)
    if report is not None and report.failed:
        keep_evidence(module_page, request.node.name)
        reload(module_page)


@pytest.fixture(scope="session")
def client(launched):
    from gradio_client import Client

    return Client(launched[1], verbose=False)


@pytest.fixture(scope="session")
def folders(tmp_path_factory) -> dict:
    """A tiny classifier of every architecture, NLI classifiers, sentence-transformers folders, bare encoders."""
    from model.tiny.architectures import ARCHITECTURES, build, sentence_transformers_folder

    root = tmp_path_factory.mktemp("checkpoints")
    out = {kind: build(root / kind, kind) for kind in ARCHITECTURES}
    for kind in ("deberta-v2", "roberta", "xlm-roberta", "bart"):
        out[f"{kind}-nli"] = build(root / f"{kind}-nli", kind, head="nli", seed=1)
    for kind in ("mpnet", "bert", "xlm-roberta"):
        out[f"{kind}-st"] = sentence_transformers_folder(root / f"{kind}-st", kind)
    out["bert-st-cls"] = sentence_transformers_folder(root / "bert-st-cls", "bert", pooling="cls", normalize=False)
    for kind in ("electra", "modernbert"):
        out[f"{kind}-encoder"] = build(root / f"{kind}-encoder", kind, head="encoder", seed=2)
    return out
