"""Why two texts are similar, word by word: ``explain_pair(model, a, b, method, granularity=...)`` gives a
``PairExplanation``, one value per pair (unit of A, unit of B), for an embedding model's cosine similarity.

Methods (``PAIR_METHODS``; one file each, ``register_pair_method`` for more): ``integrated_jacobians``
(gradient: the matrix adds up to a double difference of cosines, exact by construction up to a reported
numerical gap) and ``pair_occlusion`` (black box: the interaction of hiding two words together).
"""
from __future__ import annotations

import time

from model import load_model
from model.base import TextModel, model_kind
from model.budget import DEFAULT, Budget
from model.errors import InputError
from model.params import check_declared
from model.registries import Registry
from model.validation import check_seconds

from .base import PairMethod, PairResult, similarities
from .explanation import Match, PairExplanation
from .integrated_jacobians import IntegratedJacobians
from .pair_occlusion import PairOcclusion
from .sides import GRANULARITIES, PairUnit, side

SECONDS_LIMIT = 600.0


def _check(cls, registry) -> None:
    if not (isinstance(cls, type) and issubclass(cls, PairMethod)):
        raise InputError("register_pair_method takes a subclass of explain.pairs.PairMethod.")
    if not isinstance(cls.DESCRIPTION, str) or not cls.DESCRIPTION.strip():
        raise InputError(f"Pair method {cls.NAME!r} needs a one-sentence DESCRIPTION.")
    check_declared(f"Pair method {cls.NAME!r}", cls.PARAMS)


PAIR_METHODS: Registry[type[PairMethod]] = Registry("pair method", check=_check)
for _built_in in (IntegratedJacobians, PairOcclusion):
    PAIR_METHODS.register(_built_in, built_in=True)


def register_pair_method(cls: type[PairMethod]) -> type[PairMethod]:
    """Add a word-pair method (usable as a decorator)."""
    return PAIR_METHODS.register(cls)


def all_pair_params() -> dict:
    """Every registered pair method's parameters by name (the page's controls, the CLI's flags)."""
    return {p.name: p for cls in PAIR_METHODS.values() for p in cls.PARAMS}


def pair_params(method: type[PairMethod], given: dict) -> dict:
    """The method's parameters: its defaults, with the given ones checked."""
    known = {p.name: p for p in method.PARAMS}
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = ", ".join(known) or "no parameters"
        raise InputError(f"{method.LABEL} takes {takes}; {unknown[0]!r} is not one of its parameters.")
    return {name: (p.check(given[name]) if name in given else p.default) for name, p in known.items()}


def check_pair_settings(model, method: str, granularity: str, params: dict) -> tuple[TextModel, type[PairMethod], dict]:
    """The model (loaded), the method's class and its checked parameters; one sentence for any that is wrong."""
    model = load_model(model) if isinstance(model, str) else model
    if not isinstance(model, TextModel):
        raise InputError("model must be a model name or a loaded model.")
    if model_kind(model) != "embedding":
        raise InputError(f"Word-pair explanations explain an embedding model's similarity; {model.name!r} is a "
                         f"{model.task} model.")
    cls = PAIR_METHODS.named(method)
    if not isinstance(granularity, str) or granularity not in GRANULARITIES:
        raise InputError(f"granularity must be {', '.join(repr(g) for g in GRANULARITIES)}; got {granularity!r}.")
    return model, cls, pair_params(cls, params)


def explain_pair(model: TextModel | str, a: str, b: str, method: str = "integrated_jacobians", *,
                 granularity: str = "word", seconds: float | str | None = DEFAULT, progress=None,
                 **params) -> PairExplanation:
    """Explain the cosine similarity of ``a`` and ``b`` under an embedding ``model`` as a matrix with one row
    per unit of ``a`` and one column per unit of ``b`` (``granularity``: "word", "token" or "sentence";
    special tokens are left out). ``params``: the method's (``PAIR_METHODS[method].PARAMS``, e.g. ``steps=``).
    ``seconds``: time budget (None: none; by default 120 s); ``progress(done, planned)`` as model
    evaluations complete. Explaining (b, a) gives the transposed matrix."""
    started = time.perf_counter()
    model, cls, checked = check_pair_settings(model, method, granularity, params)
    default = isinstance(seconds, str) and seconds == DEFAULT
    budget = Budget.of(seconds if default else check_seconds(seconds, SECONDS_LIMIT, what="seconds"))
    side_a, side_b = side(model, a, granularity, "first text"), side(model, b, granularity, "second text")
    result = cls().explain(model, side_a, side_b, params=checked, budget=budget, progress=progress)
    similarity = float(similarities(model, [list(side_a.tokenized.ids)], [list(side_b.tokenized.ids)])[0, 0])
    meta = {"params": checked, "model_revision": model.info.revision, "model_source": model.info.source,
            "truncated": bool(side_a.tokenized.truncated or side_b.tokenized.truncated), **result.meta}
    return PairExplanation(model.name, cls.NAME, granularity, a, b, side_a.units, side_b.units, result.matrix,
                           similarity, result.expected_sum, result.terms, result.note,
                           round(time.perf_counter() - started, 6), meta)


__all__ = ["GRANULARITIES", "Match", "PAIR_METHODS", "all_pair_params", "PairExplanation", "PairMethod", "PairResult", "PairUnit",
           "explain_pair", "register_pair_method"]
