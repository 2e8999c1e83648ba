"""The Space's front matter (README.md) agrees with the project: the Gradio it pins, a file that
exists, a Python every pinned package installs on, a hardware flavor, the Hub models the app offers;
and the ZeroGPU pins keep to what ZeroGPU supports."""
from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# hub-docs spaces-config-reference.md and spaces-gpus.md
FLAVORS = {"cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "zero-a10g", "a10g-small",
           "a10g-large", "a10g-largex2", "a10g-largex4", "a100-large", "h100", "h100x8"}
ZEROGPU_TORCH = {"2.1.0", "2.1.1", "2.1.2", "2.2.0", "2.2.2", "2.4.0", "2.5.1", "2.6.0", "2.7.1", "2.8.0"}


def front_matter() -> dict:
    match = re.match(r"---\n(.*?)\n---\n", README, re.S)
    assert match, "the README starts with the Space's front matter"
    return yaml.safe_load(match.group(1))


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (version,) = [s.version for s in requirement.specifier if s.operator == "=="]
            out[requirement.name.lower()] = version
    return out


def test_the_front_matter_matches_the_project():
    import gradio

    from model import list_models

    meta = front_matter()
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == pins(ROOT / "requirements.txt")["gradio"] \
        == gradio.__version__
    assert (ROOT / meta["app_file"]).is_file() and meta["app_file"] == "app.py"
    assert meta["suggested_hardware"] in FLAVORS
    hub = {spec.source for spec in list_models() if not spec.offline}
    assert sorted(meta["models"]) == sorted(hub) and len(hub) == 9  # (two of them decoders, three multilingual)


def test_every_pinned_package_installs_on_the_python_the_space_runs():
    version = str(front_matter()["python_version"])
    assert re.fullmatch(r"3\.\d+", version)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version  # the suite itself runs on it
    for name, pinned in pins(ROOT / "requirements.txt").items():
        assert metadata.version(name).split("+")[0] == pinned, name  # what is installed is what is pinned
        needs = metadata.metadata(name).get("Requires-Python")
        assert needs is None or SpecifierSet(needs).contains(version + ".0"), (name, needs)


def test_the_zerogpu_pins_are_the_projects_where_they_can_be():
    main, zero = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements-zerogpu.txt")
    assert set(zero) == set(main) and zero["gradio"] == main["gradio"]
    assert zero["torch"] in ZEROGPU_TORCH
    changed = {name for name in main if zero[name] != main[name]}
    # only what does not install on Python 3.10 (or is torch), each to its newest release that does
    assert changed == {"torch", "transformers", "shap", "scikit-learn", "scipy", "numpy", "onnxruntime", "icu4py"}
    assert "requirements-zerogpu.txt" in README and 'python_version: "3.10"' in README


def test_the_space_check_never_talks_to_an_app_it_did_not_start(tmp_path):
    """A port already answered by something else stops the check before anything runs, and the app answering
    must be the process the check started (tested on sockets held by this process and by another)."""
    import os
    import socket
    import subprocess
    import sys

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]
    try:
        run = subprocess.run(["bash", "scripts/space_check.sh"], capture_output=True, text=True, cwd=ROOT, timeout=60,
                             env={**os.environ, "STUDIO_CHECK_PORT": str(port)})
        assert run.returncode == 1 and f"port {port} is already in use" in run.stdout
        assert "fresh virtual environment" not in run.stdout  # nothing was started
        other = subprocess.Popen(["sleep", "30"])
        try:
            owns = [subprocess.run([sys.executable, "scripts/owns_port.py", str(pid), str(port)], cwd=ROOT).returncode
                    for pid in (os.getpid(), other.pid)]
        finally:
            other.kill()
        assert owns == [0, 1]  # this process holds the port; the other does not
    finally:
        held.close()
