"""One ``Registry`` class behind every registry of the studio: methods, metrics, counterfactual generators,
tasks, models and influence methods.

Each registry maps a name to one entry and shares: one name rule (``NAME_RULE``), one wording for every
refusal, ``register`` (usable as a class decorator; registering the same entry again is a no-op; a taken
name is refused), ``unregister`` (entries registered as built in stay), ``named`` (an unknown name is one
sentence listing the known ones), and read access like a dict (``in``, ``[]``, iteration in registration
order, ``values()``, ``items()``). What a kind of entry must satisfy beyond its name is that registry's
``check``, run before the entry is added, so a refused entry leaves the registry as it was.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import InputError

T = TypeVar("T")

NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_WORDS = "1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit"


class Registry(Generic[T]):
    """Names to entries of one ``kind`` ("method", "metric", ...).

    ``name_of(entry)`` gives an entry's name (default: its ``NAME``); ``check(entry, registry)`` raises an
    ``InputError`` for an entry that may not be added (it sees the entries already there); ``same(a, b)``
    says whether re-registering ``b`` under ``a``'s name is the same entry (default: identity, or one class).
    """

    def __init__(self, kind: str, *, name_of: Callable[[T], object] | None = None,
                 check: Callable[[T, Registry[T]], None] | None = None,
                 same: Callable[[T, T], bool] | None = None):
        self.kind = kind
        self._name_of = name_of or (lambda entry: getattr(entry, "NAME", None))
        self._check = check
        self._same = same or _same_entry
        self._entries: dict[str, T] = {}
        self._built_in: set[str] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ changing it
    def register(self, entry: T, *, built_in: bool = False) -> T:
        """Add ``entry`` under its name and return it (so it serves as a class decorator)."""
        name = self._name_of(entry)
        if not isinstance(name, str) or not NAME_RULE.match(name):
            raise InputError(f"{a_or_an(self.kind).capitalize()} name must be {NAME_WORDS}, not {name!r}.")
        with self._lock:
            if name in self._entries:
                if self._same(self._entries[name], entry):
                    return entry
                raise InputError(f"{a_or_an(self.kind).capitalize()} named {name!r} is already registered.")
            if self._check is not None:
                self._check(entry, self)
            self._entries[name] = entry
            if built_in:
                self._built_in.add(name)
        return entry

    def unregister(self, name: str) -> None:
        """Remove an entry registered from outside (tests, plugins that are unloaded); built-in ones stay."""
        with self._lock:
            if name in self._entries and name not in self._built_in:
                del self._entries[name]

    # ------------------------------------------------------------------ reading it
    def named(self, name: object) -> T:
        """The entry named, or one sentence naming the ones there are."""
        if not isinstance(name, str) or name not in self._entries:
            raise InputError(f"{name!r} is not {a_or_an(self.kind)}; use one of {', '.join(self._entries) or 'none'}.")
        return self._entries[name]

    def is_built_in(self, name: str) -> bool:
        return name in self._built_in

    def get(self, name: object, default=None):
        """As a dict's ``get``: the entry, or ``default``."""
        return self._entries.get(name, default) if isinstance(name, str) else default

    def names(self) -> list[str]:
        return list(self._entries)

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self):
        return list(self._entries)

    def values(self) -> list[T]:
        return list(self._entries.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"


def _same_entry(old, new) -> bool:
    """One entry registered twice: the same object, or an instance of the same class as the one there."""
    return old is new or (not isinstance(new, type) and type(old) is type(new))


def a_or_an(kind: str) -> str:
    """ "a classification", "an embedding": the article a word takes (by its first letter)."""
    return ("an " if kind[:1].lower() in "aeiou" else "a ") + kind
