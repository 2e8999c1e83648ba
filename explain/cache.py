"""A bounded, thread-safe LRU cache of finished explanations (they are immutable).

Key: the model object, text, method, every parameter that changes the result, and the seed.
A repeat request is answered from here in microseconds instead of re-running the model.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from .explanation import Explanation


def freeze(value) -> Hashable:
    """Lists (targets, labels) become tuples so they can be part of a key."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    return value


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
            return entry[1]

    def put(self, model, key: Hashable, explanation: Explanation) -> None:
        with self._lock:
            # The model is stored with the entry so its id() cannot be reused while cached.
            self._items[(id(model), key)] = (model, explanation)
            self._items.move_to_end((id(model), key))
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
