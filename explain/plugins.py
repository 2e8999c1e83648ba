"""Methods from outside the project, registered at start-up.

``STUDIO_PLUGINS=package.module,other.module`` names modules that the app and the CLI import
before they build their controls; each module calls ``explain.register_method(MyMethod)`` at
import. The variable is the operator's configuration (like ``PYTEST_PLUGINS``), never user input.
"""
from __future__ import annotations

import importlib
import os
import re

from model.errors import InputError

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def load_plugins(names: str | None = None) -> list[str]:
    """Import the plugin modules (default: ``STUDIO_PLUGINS``); returns the names imported."""
    names = os.environ.get("STUDIO_PLUGINS", "") if names is None else names
    loaded = []
    for name in (part.strip() for part in names.split(",")):
        if not name:
            continue
        if not _MODULE.match(name):
            raise InputError(f"STUDIO_PLUGINS: {name!r} is not a module name.")
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise InputError(f"STUDIO_PLUGINS: the module {name!r} cannot be imported ({err}).") from None
        loaded.append(name)
    return loaded
