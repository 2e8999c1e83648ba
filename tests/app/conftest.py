"""Launch the Blocks in-process (as gradio's own tests do) and hand out a gradio_client."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def launched():
    import app

    demo = app.build()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            allowed_paths=[str(app.ASSETS)])
    yield demo, url
    demo.close()


@pytest.fixture(scope="session")
def client(launched):
    from gradio_client import Client

    return Client(launched[1], verbose=False)
