"""Methods, metrics, tasks, models and counterfactual generators from outside the project,
registered at start-up.

``STUDIO_PLUGINS=package.module,other.module`` names modules that the app, the CLI and the Ray
engine's workers import before they build anything; each module registers what it brings
(``explain.register_method``, ``register_metric``, ``model.register_task``, ``register_model``,
``explain.counterfactuals.register_generator``) at import. The variable is the operator's
configuration (like ``PYTEST_PLUGINS``), never user input.
"""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

from model.errors import InputError

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
LOADED: list[str] = []  # the plugin modules this process imported, in order (the Ray engine ships them)


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
        if name not in LOADED:
            LOADED.append(name)
    return loaded


def plugin_folders(names) -> list[str]:
    """Where each plugin module's top-level package lives (a folder, or a one-file module's file), so a
    Ray cluster's workers can be sent them."""
    import sys

    out = []
    for name in names:
        top = sys.modules.get(name.split(".")[0])
        where = getattr(top, "__file__", None)
        if where is None:
            continue
        path = Path(where)
        path = path.parent if path.name == "__init__.py" else path
        if str(path) not in out:
            out.append(str(path))
    return out
