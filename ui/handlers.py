"""The one error policy of every event handler: a rejected input (the project's own errors,
``model.errors.STUDIO_ERRORS``, and ``gr.Error``) is one sentence for the user (escaped: a message never
renders what the user typed as HTML) and one log line without a traceback; anything else (a NumPy or
torch ValueError included: that is a bug, not bad input) is logged with its traceback and reported
without internals."""
from __future__ import annotations

import contextlib
import functools
import inspect
import logging

import gradio as gr

from model.errors import STUDIO_ERRORS

from .locale import localize_output, say
from .safe import message

log = logging.getLogger("studio")


def handler(fn):
    """Wrap an event handler. Generator handlers (live updates) stay generators, so Gradio streams
    what they yield, with the same one-sentence errors."""
    @contextlib.contextmanager
    def reported():
        try:
            yield
        except gr.Error as err:
            log.info("rejected %s: %s", fn.__name__, err.message)
            raise gr.Error(message(say(err.message)), print_exception=False) from None
        except STUDIO_ERRORS as err:
            log.info("rejected %s: %s", fn.__name__, err)
            raise gr.Error(message(say(err)), print_exception=False) from None
        except Exception:
            log.exception("%s failed", fn.__name__)
            raise gr.Error(say("Something went wrong on the server; the error has been logged."),
                           print_exception=False) from None

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def streamed(*args, **kwargs):
            with reported():
                for value in fn(*args, **kwargs):
                    yield localize_output(value)
        return streamed

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with reported():
            return localize_output(fn(*args, **kwargs))
    return wrapped


def warn(text: object) -> None:
    """A warning toast whose text is shown literally."""
    gr.Warning(message(say(text)))


def info(text: object) -> None:
    """An information toast whose text is shown literally."""
    gr.Info(message(say(text)))
