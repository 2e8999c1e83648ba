"""Write a ready-to-push ZeroGPU Space folder (``bash scripts/make_space.sh DIR``).

ZeroGPU (hub-docs, spaces-zerogpu.md, August 2026) runs Python 3.12.12 or 3.10.13 and torch 2.8.0, 2.9.1, 2.10.0
or 2.11.0; free accounts can host Gradio Spaces only there. This project pins Python 3.11 and torch 2.13.0 (its
CPU build), so the folder gets:

- ``README.md``: this README with the front matter set for ZeroGPU (``python_version: "3.12"``,
  ``suggested_hardware: zero-a10g``; the models it lists are the app's own);
- ``requirements.txt``: this project's pins with torch set to ``TORCH`` (ZeroGPU's newest); every other pin is
  kept, since each installs on Python 3.12 (checked: ``--check`` resolves the file in a fresh venv of that Python);
- the app: ``app.py``, ``model/``, ``explain/``, ``ui/``, ``assets/`` (no tests, benchmarks or scripts).
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "3.12"  # ZeroGPU: 3.12.12 (preferred) or 3.10.13
TORCH = "2.11.0"  # ZeroGPU: 2.8.0, 2.9.1, 2.10.0, 2.11.0
ZEROGPU_TORCH = ("2.8.0", "2.9.1", "2.10.0", "2.11.0")
ZEROGPU_PYTHON = ("3.12", "3.10")
HARDWARE = "zero-a10g"
APP = ("app.py", "model", "explain", "ui", "assets")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def front_matter(readme: str) -> str:
    """The README with its front matter set for ZeroGPU."""
    head, body = readme.split("\n---\n", 1)
    head = re.sub(r'(?m)^python_version:.*$', f'python_version: "{PYTHON}"', head)
    head = re.sub(r"(?m)^suggested_hardware:.*$", f"suggested_hardware: {HARDWARE}", head)
    note = ("\n> This folder was written by `scripts/make_space.sh` for a ZeroGPU Space (Python "
            f"{PYTHON}, torch {TORCH}); the project itself pins Python 3.11 and torch 2.13.0.\n")
    return head + "\n---\n" + note + body


def requirements(text: str) -> str:
    """This project's pins with torch set to ZeroGPU's newest."""
    out, seen = [], False
    for line in text.splitlines():
        if re.match(r"^torch==", line):
            line, seen = f"torch=={TORCH}  # ZeroGPU's newest (2.8.0, 2.9.1, 2.10.0, 2.11.0)", True
        out.append(line)
    if not seen:
        raise SystemExit("requirements.txt pins no torch: nothing to set for ZeroGPU.")
    return "\n".join(out) + "\n"


def write(folder: Path) -> Path:
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"{folder} exists and is not empty: give a new folder.")
    folder.mkdir(parents=True, exist_ok=True)
    for name in APP:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=IGNORED)
        else:
            shutil.copy2(source, folder / name)
    (folder / "README.md").write_text(front_matter((ROOT / "README.md").read_text(encoding="utf-8")),
                                      encoding="utf-8")
    (folder / "requirements.txt").write_text(requirements((ROOT / "requirements.txt").read_text(encoding="utf-8")),
                                             encoding="utf-8")
    return folder


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/make_space.py DIR")
    print(write(Path(sys.argv[1])))
