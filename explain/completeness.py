"""Completeness, checked rather than claimed: a method marked ``ADDITIVE`` says its attributions plus the
base value give the explained output. The engine measures it for every such explanation, per target:

    gap = |sum of attributions + base - output| / |output - base|

(the share of the change from the base that the attributions miss; Integrated Gradients' completeness gap,
Sundararajan et al. 2017). It is kept in ``meta["completeness_gap"]``; past ``TOLERANCE`` the explanation says
so in ``meta["note"]`` and charts draw no base value, as for a method that makes no such claim.
"""
from __future__ import annotations

import numpy as np

TOLERANCE = 0.01  # 1% of the change from the base: IG's "auto" steps aim at it


def gap(total: float, output: float, base: float) -> float:
    """|sum of attributions - (output - base)|, relative to |output - base| (IG's "auto" steps read it too)."""
    change = output - base
    return abs(total - change) / max(abs(change), 1e-12)


def gaps(attributions: np.ndarray, base_values: np.ndarray, outputs: np.ndarray) -> list[float]:
    """One gap per target (column of ``attributions``)."""
    totals = np.asarray(attributions, dtype=np.float64).sum(axis=0)
    bases = np.asarray(base_values, dtype=np.float64).reshape(-1)
    outputs = np.asarray(outputs, dtype=np.float64).reshape(-1)
    return [gap(float(t), float(o), float(b)) for t, o, b in zip(totals, outputs, bases)]


def holds(meta: dict, target: int) -> bool:
    """Whether the explanation's claim of completeness holds for ``target`` (True when it was not measured)."""
    measured = meta.get("completeness_gap") or ()
    return target >= len(measured) or measured[target] <= TOLERANCE


def missed(label: str, measured: list[float]) -> str:
    """The sentence for a method whose values do not add up."""
    worst = max(measured)
    return (f"{label}'s values should add up to the output minus the base, but they miss it by {worst:.1%} of that "
            f"change (more than {TOLERANCE:.0%}): no base is drawn, and the values are not additive here.")
