"""What running as a Hugging Face Space needs beyond ZeroGPU's declarations (``ui/gpu.py``)."""
from __future__ import annotations

import sys


def quiet_closed_event_loops() -> None:
    """On a Space, Gradio's reloader (with the ``spaces`` package) leaves event loops whose pipes are
    already closed; their garbage collection prints "Exception ignored in BaseEventLoop.__del__ ...
    ValueError: Invalid file descriptor: -1" (gradio-app/gradio#12699; a four-line Gradio app shows it
    too). Exactly that is dropped from the log; every other unraisable exception is reported as before."""
    default = sys.unraisablehook

    def hook(unraisable) -> None:
        owner = getattr(unraisable.object, "__qualname__", "")
        if isinstance(unraisable.exc_value, ValueError) and owner == "BaseEventLoop.__del__" \
                and str(unraisable.exc_value) == "Invalid file descriptor: -1":
            return
        default(unraisable)

    sys.unraisablehook = hook
