"""Metric name -> metric. Adding a metric is one class and one ``register_metric`` call.

The scorecard (``evaluate``), the CLI's ``--evaluate``, the app's scorecard table and its help text
read ``METRICS`` when they run or are built, so a metric registered at start-up (``STUDIO_PLUGINS``)
appears everywhere, with its random control, and no other edit.
"""
from __future__ import annotations

from model.errors import InputError
from model.registries import Registry

from .agreement import LeaveOneOutTau
from .base import Metric
from .faithfulness import Comprehensiveness, LogOdds, NormalisedComprehensiveness, NormalisedSufficiency, Sufficiency
from .stability import Stability


def _check_metric(instance: Metric, metrics: Registry) -> None:
    name = instance.NAME
    if not instance.definition():
        raise InputError(f"Metric {name!r} needs a docstring whose first line defines it.")
    if not isinstance(instance.LOWER_IS_BETTER, bool) or not isinstance(instance.RERUNS, bool):
        raise InputError(f"Metric {name!r}: LOWER_IS_BETTER and RERUNS must be True or False.")


METRICS: Registry[Metric] = Registry("metric", check=_check_metric)
HEADLINE = ("comprehensiveness", "sufficiency")  # the two scores shown under every chart


def register_metric(metric: type[Metric] | Metric, *, built_in: bool = False) -> type[Metric] | Metric:
    """Add a metric (a ``Metric`` subclass or instance; usable as a class decorator). Its NAME must be
    new (re-registering the same class is a no-op) and its docstring's first line its definition."""
    instance = metric() if isinstance(metric, type) and issubclass(metric, Metric) else metric
    if not isinstance(instance, Metric):
        raise InputError("register_metric takes a subclass of explain.Metric.")
    METRICS.register(instance, built_in=built_in)
    return metric


def unregister_metric(name: str) -> None:
    """Remove a metric registered from outside (tests and plugins that are unloaded); built-in ones stay."""
    METRICS.unregister(name)


def get_metrics(names) -> list[Metric]:
    """The metrics named (None: every registered one), or one InputError naming the allowed ones."""
    names = list(METRICS) if names is None else list(names)
    return [METRICS.named(n) for n in names]


for _metric in (Comprehensiveness, Sufficiency, NormalisedComprehensiveness, NormalisedSufficiency, LogOdds,
                LeaveOneOutTau, Stability):
    register_metric(_metric, built_in=True)
