"""Per-row records written as JSON Lines, resumable: rows already in the file are skipped.

A run stopped mid-write can leave a last line cut short; it is removed on resume (its row is then
written again), so the file never holds a torn record. Each record is flushed as it is written.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from model.errors import InputError

from .aggregate import iter_records
from .stream import RowResult


class RowWriter:
    """Appends records to ``path`` (standard output when None); ``done`` = the row indices already there."""

    def __init__(self, path: str | os.PathLike | None) -> None:
        self.path = Path(path) if path is not None else None
        self.done: frozenset[int] = frozenset()
        self._handle = None
        if self.path is not None and self.path.exists():
            if not self.path.is_file():
                raise InputError(f"{self.path.name!r} is not a file.")
            self._drop_torn_tail()
            self.done = frozenset(int(r["row"]) for r in iter_records(self.path))

    def _drop_torn_tail(self) -> None:
        with self.path.open("rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                handle.truncate(data.rfind(b"\n") + 1)

    def __enter__(self) -> RowWriter:
        if self.path is not None:
            try:
                self._handle = self.path.open("a", encoding="utf-8")
            except OSError as err:
                raise InputError(f"Cannot write {self.path.name!r}: {err.strerror or err}.") from None
        return self

    def write(self, result: RowResult, full: bool = False) -> None:
        handle = self._handle or sys.stdout
        handle.write(json.dumps(result.to_record(full=full), ensure_ascii=False) + "\n")
        handle.flush()

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
