"""A long-running server's downloads stay bounded: one folder of its own, swept by age and then by size."""
from __future__ import annotations

import os
import time

from ui import cleanup


def _download(root, name: str, size: int, age_s: float, now: float) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "file.json").write_bytes(b"x" * size)
    os.utime(folder, (now - age_s, now - age_s))


def test_old_downloads_go_then_the_oldest_beyond_the_size_bound(tmp_path):
    now = time.time()
    _download(tmp_path, "old", 10, 3 * 3600, now)
    _download(tmp_path, "older-big", 5_000, 60, now)
    _download(tmp_path, "middle", 3_000, 30, now)
    _download(tmp_path, "newest", 2_000, 5, now)
    removed, left = cleanup.sweep(tmp_path, now=now, max_age=2 * 3600, max_bytes=6_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle", "newest"]  # over 2 h, then oldest while > 6 kB
    assert (removed, left) == (2, 5_000)
    assert cleanup.sweep(tmp_path, now=now, max_age=2 * 3600, max_bytes=6_000) == (0, 5_000)  # nothing more to do
    assert cleanup.sweep(tmp_path, now=now + 3 * 3600) == (2, 0)  # in time, everything goes


def test_the_server_writes_every_download_into_its_swept_folder(additive):
    import app
    from explain import explain
    from explain.io import export

    app.build()
    root = cleanup.start()
    assert export.ROOT == root and os.path.isdir(root)
    files = export.write_files(explain(additive, "the movie was good", "occlusion", target="score", cache=None), "t")
    assert all(os.path.commonpath([root, f]) == root for f in files)


def test_a_visitor_s_files_are_counted_per_visitor_and_go_when_the_last_holder_leaves():
    visitors = cleanup.Visitors()
    visitors.serve("a", ["/c/1/x.json", "/c/2/y.csv"])
    visitors.serve("b", ["/c/1/x.json"])  # (equal files: Gradio serves both visitors one copy)
    visitors.serve("a", ["/c/1/x.json"])  # (served again to the same visitor: still one holder)
    assert sorted(visitors.leave("a")) == ["/c/2/y.csv"]  # x.json is still b's
    assert visitors.leave("a") == []
    assert visitors.leave("b") == ["/c/1/x.json"]
    assert visitors.served == {} and visitors.holders == {}
    payload = {"value": [{"path": "/c/3/z.json", "url": "u", "meta": {"_type": "gradio.FileData"}},
                         {"path": "/not/a/file", "meta": {}}, "text"], "__type__": "update"}
    assert cleanup.served_paths([payload, None, {"path": "/c/4/w.csv", "meta": {"_type": "gradio.FileData"}}]) == [
        "/c/3/z.json", "/c/4/w.csv"]
    assert cleanup.visitor_folder("../../etc") is None or "/.." not in cleanup.visitor_folder("../../etc")


def test_a_visitor_s_downloads_are_removed_when_they_leave(launched, monkeypatch):
    """Through the running app as an API client: what it was served and what was written for it exist while it is
    connected and are gone once it closes (its page closed); another visitor's stay."""
    from gradio_client import Client

    from tests.browser import until_true

    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "0.5")  # (the server sees a client gone at its next heartbeat)
    demo, url = launched
    staying, leaving = Client(url, verbose=False), Client(url, verbose=False)
    kept = staying.predict("set a timer for ten minutes", "intent-minilm", "occlusion", api_name="/classify")[-1]
    served = leaving.predict("transfer money to savings", "intent-minilm", "occlusion", api_name="/classify")[-1]
    assert served and all(os.path.exists(f) for f in served)  # (the client's copies)
    on_server = {p for paths in demo.visitors.served.values() for p in paths}
    mine = demo.visitors.served[leaving.session_hash]
    assert mine and all(os.path.exists(p) for p in mine) and mine <= on_server
    folder = cleanup.visitor_folder(leaving.session_hash)
    assert os.path.isdir(folder) and os.listdir(folder)  # what was written for it, in its own folder
    theirs = set(demo.visitors.served[staying.session_hash])
    leaving.close()
    # (the server forgets the visitor, then removes their files: wait for what is checked, the files gone)
    until_true(lambda: not any(os.path.exists(p) for p in mine) and not os.path.exists(folder),
               "the visitor's files were never removed")
    assert leaving.session_hash not in demo.visitors.served
    assert all(os.path.exists(p) for p in theirs) and kept
    staying.close()


def test_sessions_are_forgotten_a_while_after_their_visitors_left_unless_they_came_back():
    import datetime

    from gradio.state_holder import StateHolder

    holder = StateHolder()
    now = time.time()

    def used(seconds_ago: float):
        return datetime.datetime.fromtimestamp(now - seconds_ago)

    for name, used_ago in (("gone", 300), ("back", 5), ("recent", 31), ("other", 0)):
        holder.session_data[name] = object()
        holder.time_last_used[name] = used(used_ago)
    left_at = {"gone": now - 290, "back": now - 200, "recent": now - 30}  # ("back" left, then came back 5 s ago)
    assert cleanup.forget_sessions(holder, left_at, now, grace=120) == 1
    assert sorted(holder.session_data) == ["back", "other", "recent"] and "gone" not in holder.time_last_used
    assert left_at == {"recent": now - 30}  # (still within its grace)
    assert cleanup.forget_sessions(holder, left_at, now + 100, grace=120) == 1
    assert sorted(holder.session_data) == ["back", "other"] and left_at == {}
