"""A bounded, thread-safe LRU cache of finished explanations.

Key: the model object, text, method, every parameter that changes the result, and the seed. A
repeat request is answered from here in microseconds instead of re-running the model. The cache
keeps its own copy and hands out copies, so nothing a caller does to an explanation it got (even
forcing an array writeable) reaches the cache or other callers. ``explain(..., cache=...)`` takes
any instance (or None for no caching); ``DEFAULT_CACHE`` is the process-wide one.
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable

from .explanation import Explanation


def freeze_key(value) -> Hashable:
    """Lists (targets, labels) and dicts (options) become tuples so they can be part of a key."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze_key(v)) for k, v in value.items()))
    return value


def _copy(explanation: Explanation) -> Explanation:
    """A copy sharing no mutable state (``Explanation`` copies its arrays when it is built)."""
    return dataclasses.replace(explanation)


class ExplanationCache:
    def __init__(self, max_items: int = 256):
        self.max_items = max_items
        self._items: OrderedDict[Hashable, tuple[object, Explanation]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model, key: Hashable) -> Explanation | None:
        with self._lock:
            entry = self._items.get((id(model), key))
            if entry is None:
                return None
            self._items.move_to_end((id(model), key))
        return _copy(entry[1])

    def put(self, model, key: Hashable, explanation: Explanation) -> None:
        stored = _copy(explanation)
        with self._lock:
            # The model is stored with the entry so its id() cannot be reused while cached.
            self._items[(id(model), key)] = (model, stored)
            self._items.move_to_end((id(model), key))
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


DEFAULT_CACHE = ExplanationCache(max_items=256)
