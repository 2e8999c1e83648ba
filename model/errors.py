"""Errors a caller can tell apart. All are ``ValueError``s, so code that catches ValueError (and
the app, which turns one into a one-sentence ``gr.Error``) keeps working; each message is one
sentence meant for the user."""
from __future__ import annotations


class InputError(ValueError):
    """The caller's input is wrong: empty text, an unknown label, a parameter out of range."""


class ModelUnavailable(ValueError):
    """A model cannot be loaded: offline, not on the Hub, no safetensors, the wrong architecture."""


class BudgetExceeded(ValueError):
    """An explanation ran past its time budget before it finished."""


class ResourceExhausted(ValueError):
    """The machine ran out of memory even for the smallest batch."""


STUDIO_ERRORS = (InputError, ModelUnavailable, BudgetExceeded, ResourceExhausted)  # each message is for the user
