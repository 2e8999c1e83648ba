"""The Space's front matter (README.md) agrees with the project: the Gradio it pins, a file that
exists, a Python every pinned package installs on, a hardware flavor, the Hub models the app offers;
and the ZeroGPU Space folder (scripts/make_space.sh) keeps to what ZeroGPU supports."""
from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# hub-docs spaces-config-reference.md and spaces-gpus.md
FLAVORS = {"cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "zero-a10g", "a10g-small",
           "a10g-large", "a10g-largex2", "a10g-largex4", "a100-large", "h100", "h100x8"}
# hub-docs spaces-zerogpu.md (August 2026)
ZEROGPU_TORCH = {"2.8.0", "2.9.1", "2.10.0", "2.11.0"}
ZEROGPU_PYTHON = {"3.12", "3.10"}


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
    assert sorted(meta["models"]) == sorted(hub) and len(hub) == 11  # (two decoders, three multilingual, two taggers)


def test_every_pinned_package_installs_on_the_python_the_space_runs():
    version = str(front_matter()["python_version"])
    assert re.fullmatch(r"3\.\d+", version)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version  # the suite itself runs on it
    for name, pinned in pins(ROOT / "requirements.txt").items():
        assert metadata.version(name).split("+")[0] == pinned, name  # what is installed is what is pinned
        needs = metadata.metadata(name).get("Requires-Python")
        assert needs is None or SpecifierSet(needs).contains(version + ".0"), (name, needs)


def _front_matter_of(readme: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", readme, re.S)
    assert match
    return yaml.safe_load(match.group(1))


def test_the_zerogpu_space_folder_keeps_to_what_zerogpu_supports(tmp_path):
    import subprocess

    folder = tmp_path / "space"
    run = subprocess.run([sys.executable, "scripts/make_space.py", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    meta = _front_matter_of((folder / "README.md").read_text(encoding="utf-8"))
    assert str(meta["python_version"]) == "3.12" and str(meta["python_version"]) in ZEROGPU_PYTHON
    assert meta["suggested_hardware"] == "zero-a10g" and meta["suggested_hardware"] in FLAVORS
    assert meta["models"] == front_matter()["models"] and meta["sdk_version"] == front_matter()["sdk_version"]
    main, space = pins(ROOT / "requirements.txt"), pins(folder / "requirements.txt")
    assert space["torch"] in ZEROGPU_TORCH and space["torch"] == "2.11.0"
    assert {name for name in main if space[name] != main[name]} == {"torch"} and set(space) == set(main)
    for name in ("app.py", "model/__init__.py", "explain/__init__.py", "ui/locale.py", "ui/locales/zh-CN.json",
                 "assets/examples.json"):
        assert (folder / name).is_file(), name
    assert not (folder / "tests").exists() and not list(folder.rglob("__pycache__"))
    again = subprocess.run([sys.executable, "scripts/make_space.py", str(folder)], capture_output=True, text=True,
                           cwd=ROOT)
    assert again.returncode != 0 and "is not empty" in again.stderr  # never writes over a folder


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


@pytest.mark.slow
def test_the_space_folders_requirements_resolve_on_zerogpus_python(tmp_path):
    """``make_space.sh DIR --check``: a fresh venv of Python 3.12 resolves the folder's requirements (pip's
    dry run against the package index: ZeroGPU's torch 2.11.0 and every other pin as this project's)."""
    import glob
    import os
    import shutil
    import subprocess

    pythons = [shutil.which("python3.12"), *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python3.12")))]
    usable = [p for p in pythons if p and subprocess.run([p, "--version"], capture_output=True).returncode == 0]
    if not usable:
        pytest.skip("no Python 3.12 on this machine")
    run = subprocess.run(["bash", "scripts/make_space.sh", str(tmp_path / "space"), "--check"], capture_output=True,
                         text=True, cwd=ROOT, timeout=900, env={**os.environ, "SPACE_PYTHON": usable[-1]})
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"resolved \d+ packages; torch 2\.11\.0, gradio 6\.31\.0", run.stdout), run.stdout
