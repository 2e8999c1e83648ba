"""A long-running server keeps its disk bounded: every file a tab writes for download goes into one folder of the
server's own (``explain.io.export.ROOT``), swept every minute: a download older than ``MAX_AGE_S`` is removed, and
while the folder holds more than ``MAX_BYTES`` the oldest go first. (Gradio's own copies of the files it serves are
swept by Gradio: ``delete_cache`` in ``app.build``.)

A visitor's files go sooner: what is written while answering a visitor goes into that visitor's folder, and the
files Gradio served them are noted (``Visitors``); when the visitor leaves (their page closed, their API client
closed), both are removed, a served file only once no visitor still on the page was served it too; and
``SESSION_GRACE_S`` later, unless they came back meanwhile, Gradio's memory of their session (its copy of every
output they were shown: charts, tables) is let go too (Gradio keeps it for up to 10,000 sessions). So a server
many visitors come and go from keeps the same disk and memory after 1,000 explanations as after 100."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
from gradio_client.utils import is_file_obj_with_meta, traverse

from explain.io import export

log = logging.getLogger("studio")

SESSION_GRACE_S = 120.0  # a visitor who left and comes back within it finds their session as they left it
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


def visitor_folder(session_hash: str) -> str | None:
    """The folder of the visitor of this session in the downloads folder (named by a digest: a session's name comes
    from the visitor, never a path); None before the server has its downloads folder."""
    if not _started or not session_hash:
        return None
    return os.path.join(_started[0], "visitor-" + hashlib.sha256(session_hash.encode("utf-8")).hexdigest()[:20])


def served_paths(value) -> list[str]:
    """The files in an answer's output values (Gradio's file payloads: a "path" in Gradio's cache)."""
    found: list[str] = []
    traverse(value, lambda payload: found.append(payload["path"]), is_file_obj_with_meta)
    return found


class Visitors:
    """The files each visitor (Gradio session) was served, and how many visitors were served each (Gradio keeps one
    copy of equal files)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.served: dict[str, set[str]] = {}
        self.holders: dict[str, int] = {}

    def serve(self, session_hash: str, paths: list[str]) -> None:
        with self.lock:
            mine = self.served.setdefault(session_hash, set())
            for path in paths:
                if path not in mine:
                    mine.add(path)
                    self.holders[path] = self.holders.get(path, 0) + 1

    def leave(self, session_hash: str) -> list[str]:
        """Forget the visitor; the served files no other visitor was served (to remove)."""
        with self.lock:
            unheld = []
            for path in self.served.pop(session_hash, set()):
                self.holders[path] -= 1
                if not self.holders[path]:
                    del self.holders[path]
                    unheld.append(path)
            return unheld


def remove_served(demo: gr.Blocks, paths: list[str]) -> None:
    """Remove Gradio's copies (and their folder, once empty) and let Gradio forget them."""
    cache = os.path.realpath(demo.GRADIO_CACHE) if getattr(demo, "GRADIO_CACHE", None) else None
    for path in paths:
        real = os.path.realpath(path)
        if cache is None or os.path.commonpath([real, cache]) != cache or real == cache:
            continue  # (only Gradio's own copies: never a path outside its cache)
        try:
            os.remove(real)
            os.rmdir(os.path.dirname(real))
        except OSError:
            pass
        for temp_files in demo.temp_file_sets:
            temp_files.discard(path)


def forget_sessions(holder, left_at: dict[str, float], now: float, grace: float = SESSION_GRACE_S) -> int:
    """Let Gradio's state ``holder`` forget the sessions whose visitors left more than ``grace`` seconds before
    ``now`` (``left_at``: when each left, oldest first; seconds since the epoch, as Gradio notes a session's last
    use) and have not been back since; how many it forgot."""
    forgotten = 0
    for session_hash, when in list(left_at.items()):
        if now - when < grace:
            break
        del left_at[session_hash]
        used = holder.time_last_used.get(session_hash)
        if used is not None and used.timestamp() > when:
            continue  # (back meanwhile: theirs still)
        if holder.session_data.pop(session_hash, None) is not None:
            forgotten += 1
        holder.time_last_used.pop(session_hash, None)
    return forgotten


def forget_visitors_on_leave(demo: gr.Blocks, grace: float = SESSION_GRACE_S) -> Visitors:
    """Downloads written while answering a visitor go into their folder, the files served them are noted, and both
    are removed when they leave; their session is forgotten ``grace`` seconds later. Call inside ``with demo:`` (the
    leaving is an event of the page)."""
    visitors = Visitors()
    left_at: dict[str, float] = {}
    process_api = demo.process_api

    async def answered(*args, **kwargs):
        session_hash = kwargs.get("session_hash")
        token = export.HERE.set(visitor_folder(session_hash) if session_hash else None)
        try:
            answer = await process_api(*args, **kwargs)
        finally:
            export.HERE.reset(token)
        if session_hash and isinstance(answer, dict):
            served = served_paths(answer.get("data"))
            if served:
                visitors.serve(session_hash, served)
        return answer

    def remove_files(session_hash: str) -> None:
        remove_served(demo, visitors.leave(session_hash))
        folder = visitor_folder(session_hash)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)

    async def left(request: gr.Request) -> None:  # (on the event loop: Gradio reads its sessions there)
        session_hash = getattr(request, "session_hash", None)
        if not session_hash:
            return
        await asyncio.to_thread(remove_files, session_hash)
        now = time.time()
        left_at.pop(session_hash, None)
        left_at[session_hash] = now
        holder = getattr(getattr(demo, "server_app", None), "state_holder", None)
        if holder is not None:
            forget_sessions(holder, left_at, now, grace)

    demo.process_api = answered
    demo.unload(left)
    demo.visitors = visitors
    return visitors
