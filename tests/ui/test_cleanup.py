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
