"""Method name -> explainer. Adding a method is one file and one line here."""
from __future__ import annotations

from .attention import AttentionExplainer, RolloutExplainer
from .lime_words import LimeExplainer
from .shap_partition import ShapExplainer

METHODS = {cls.NAME: cls for cls in (ShapExplainer, LimeExplainer, AttentionExplainer, RolloutExplainer)}


def get_explainer(method: object):
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"{method!r} is not a method; use one of {', '.join(METHODS)}.")
    return METHODS[method]()
