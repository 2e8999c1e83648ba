"""The CLI run in this process (``python -m explain``'s own ``main``) for tests about what it prints and
writes: the same code path as a subprocess, without a Python start and a model load per call. (Tests
about the process itself, plugins named in the environment or Ray workers still start one.)"""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(args, cwd=None, main=None) -> Ran:
    """``python -m explain ARGS`` (or another CLI's ``main``) in this process, from ``cwd``."""
    if main is None:
        from explain.__main__ import main
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exit:  # argparse's own refusals
                code = exit.code
    finally:
        os.chdir(here)
    return Ran(int(code or 0), out.getvalue(), err.getvalue())
