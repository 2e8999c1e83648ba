"""Method name -> method class. Adding a method is one file and one ``register_method`` call.

Everything that offers methods (``explain``, the CLI's flags and ``--list``, the app's method
choices, budget controls and Compare view) reads ``METHODS`` when it is built or called, so a
method registered at start-up (see ``explain.plugins``) appears everywhere with no other edit.
"""
from __future__ import annotations

from model.errors import InputError
from model.params import check_declared
from model.registries import Registry
from model.tasks import TASKS

from .base import Method, Param
from .methods import BUILT_IN


def _check_method(cls: type[Method], methods: Registry) -> None:
    name = cls.NAME
    if not isinstance(cls.DESCRIPTION, str) or not cls.DESCRIPTION.strip():
        raise InputError(f"Method {name!r} needs a one-sentence DESCRIPTION.")
    if cls.KIND not in ("attribution", "attention"):
        raise InputError(f"Method {name!r}: KIND must be 'attribution' or 'attention'.")
    check_declared(f"Method {name!r}", cls.PARAMS)
    clash = reserved().intersection(p.name for p in cls.PARAMS)
    if clash:
        raise InputError(f"Method {name!r}: {sorted(clash)[0]!r} is one of explain()'s own arguments.")
    for other in methods.values():  # one name, one meaning: the CLI and the app share a control per name
        for p in cls.PARAMS:
            same = next((q for q in other.PARAMS if q.name == p.name), None)
            if same is not None and (same.kind, same.choices) != (p.kind, p.choices):
                raise InputError(f"Method {name!r}: parameter {p.name!r} differs in kind from {other.NAME!r}'s.")


METHODS: Registry[type[Method]] = Registry("method", check=_check_method)

# explain()'s own keywords: a method parameter may not take one of these names (nor a task option's).
RESERVED = frozenset({"model", "text", "texts", "method", "target", "labels", "pair", "seed", "seconds", "progress",
                      "cache", "use_cache", "window", "evaluate", "window_reuse", "contrast", "text_window"})


def reserved() -> frozenset[str]:
    """explain()'s own keywords and every registered task's option names."""
    return RESERVED | {p.name for task in TASKS.values() for p in task.OPTIONS}


def register_method(cls: type[Method]) -> type[Method]:
    """Add a method class (usable as a decorator). Its NAME must be new (re-registering the same
    class is a no-op) and its PARAMS must be ``Param``s with names of their own."""
    if not (isinstance(cls, type) and issubclass(cls, Method)):
        raise InputError("register_method takes a subclass of explain.Method.")
    return METHODS.register(cls)


def unregister_method(name: str) -> None:
    """Remove a method registered from outside (tests and plugins that are unloaded); built-in ones stay."""
    METHODS.unregister(name)


def get_method(method: object) -> type[Method]:
    return METHODS.named(method)


def all_params() -> dict[str, Param]:
    """Every registered method's parameters by name (the first declaration of a name wins)."""
    out: dict[str, Param] = {}
    for cls in METHODS.values():
        for p in cls.PARAMS:
            out.setdefault(p.name, p)
    return out


def resolve_params(cls: type[Method], given: dict) -> dict:
    """The method's own parameters with defaults filled in and every given value checked. Any other
    name is one sentence listing what the method takes."""
    own = {p.name: p for p in cls.PARAMS}
    for name in given:
        if name not in own:
            allowed = ", ".join(f"{p.name} ({p.describe()})" for p in cls.PARAMS) or "no parameters"
            raise InputError(f"{name!r} is not a parameter of {cls.NAME}; it takes {allowed}.")
    return {name: p.check(given[name]) if name in given else p.default for name, p in own.items()}


for _cls in BUILT_IN:
    METHODS.register(_cls, built_in=True)
