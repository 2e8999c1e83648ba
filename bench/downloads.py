"""``python -m bench.downloads [--clicks N]``: what a long-running server keeps on disk (issue: the Attention tab
wrote 108 MB per click and nothing was ever removed).

Starts the app in this process, then asks it, as the page does, for the Attention tab's view of the bundled long
document (1,601 words, read as 10 windows: each click the next window) ``N`` times through
``gradio_client``; prints each click's seconds (median, slowest) and how much the server's downloads folder
(``ui.cleanup``) and Gradio's cache grew. Every download of those clicks is kept (they are under the sweeper's
two hours), so the growth is what N clicks cost before any sweep.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def megabytes(folder: Path) -> float:
    from ui.cleanup import size_of

    return size_of(folder) / 2**20 if folder.exists() else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ["GRADIO_TEMP_DIR"] = cache = tempfile.mkdtemp(prefix="bench-gradio-cache-")
    from gradio_client import Client

    import app
    from ui.page import LONG_EXAMPLE

    demo = app.build()
    from explain.io import export

    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            **app.launch_options(demo))
    client = Client(url, verbose=False, download_files=False)
    text = LONG_EXAMPLE.read_text(encoding="utf-8")
    downloads = Path(export.ROOT)
    before = megabytes(downloads), megabytes(Path(cache))
    seconds = []
    for click in range(args.clicks):
        started = time.perf_counter()
        client.predict(text, "intent-minilm", 6, 0, window=click % 10, api_name="/attention")
        seconds.append(time.perf_counter() - started)
    after = megabytes(downloads), megabytes(Path(cache))
    demo.close()
    shutil.rmtree(cache, ignore_errors=True)  # (what the measured clicks left: this command leaves nothing behind)
    shutil.rmtree(downloads, ignore_errors=True)
    print(f"{args.clicks} Attention clicks on the long example (its 10 windows in turn: the first ten computed, the "
          f"rest from the cache): median "
          f"{statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s; the downloads folder grew "
          f"{after[0] - before[0]:.1f} MB and Gradio's cache {after[1] - before[1]:.1f} MB "
          f"({(after[0] - before[0] + after[1] - before[1]) / args.clicks:.2f} MB a click)")


if __name__ == "__main__":
    main()
