"""A long-running server keeps its disk bounded: every file a tab writes for download goes into one folder of the
server's own (``explain.io.export.ROOT``), swept every minute: a download older than ``MAX_AGE_S`` is removed, and
while the folder holds more than ``MAX_BYTES`` the oldest go first. (Gradio's own copies of the files it serves are
swept by Gradio: ``delete_cache`` in ``app.build``.)"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from explain.io import export

log = logging.getLogger("studio")

MAX_AGE_S = 2 * 3600  # a download is kept two hours (a dataset run's rows are read back from it meanwhile)
MAX_BYTES = 512 * 2**20
EVERY_S = 60.0
_started: list[str] = []
_lock = threading.Lock()


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (what vanished meanwhile counts nothing)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def sweep(root: str | Path, now: float | None = None, max_age: float = MAX_AGE_S,
          max_bytes: int = MAX_BYTES) -> tuple[int, int]:
    """Remove what ``root`` holds (each entry: one download's folder) that is older than ``max_age`` seconds, then
    the oldest until at most ``max_bytes`` are left; (entries removed, bytes left)."""
    now = time.time() if now is None else now
    entries = []
    for path in Path(root).iterdir():
        try:
            entries.append((path.stat().st_mtime, size_of(path), path))
        except OSError:  # (removed meanwhile)
            continue
    entries.sort(key=lambda entry: entry[0])
    left, removed = sum(size for _, size, _ in entries), 0
    for modified, size, path in entries:
        if now - modified <= max_age and left <= max_bytes:
            break
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        left, removed = left - size, removed + 1
    return removed, left


def start(every: float = EVERY_S) -> str:
    """This server's downloads folder (made once; ``export.ROOT`` points at it) and its sweeper thread."""
    with _lock:
        if not _started:
            root = tempfile.mkdtemp(prefix="studio-downloads-")
            export.ROOT = root

            def loop() -> None:
                while True:
                    time.sleep(every)
                    try:
                        removed, left = sweep(root)
                        if removed:
                            log.info("swept %d old downloads; %.1f MB kept", removed, left / 2**20)
                    except OSError as err:  # (a full or read-only disk: said, and tried again next time)
                        log.warning("could not sweep the downloads folder: %s", err)

            threading.Thread(target=loop, name="downloads-sweeper", daemon=True).start()
            _started.append(root)
    return _started[0]
