"""Explanations of model outputs: ``explain(model, text, method, **params) -> Explanation``.

The method contract (``Method``, ``Param``, ``MethodResult``, ``register_method``, ``METHODS``)
and the metric contract (``Metric``, ``register_metric``, ``METRICS``) are public: a new method or
scorecard metric is one file and one registration call (see ``explain.base``, ``explain.metrics``).
"""
from model.errors import BudgetExceeded, InputError, ModelUnavailable, ResourceExhausted

from .api import evaluate, evaluate_each, explain, explain_many
from .base import Computed, Method, MethodResult, Param
from .cache import DEFAULT_CACHE, ExplanationCache
from .counterfactuals import Counterfactual, Counterfactuals, Edit, counterfactuals
from .explanation import Explanation
from .influence import Influence, SelfInfluence, influence, self_influence
from .metrics import (
    METRICS,
    Agreement,
    Metric,
    MetricValue,
    Plausibility,
    Scorecard,
    compare,
    plausibility,
    rationale_spans,
    register_metric,
    unregister_metric,
)
from .pairs import PAIR_METHODS, PairExplanation, explain_pair, register_pair_method
from .plugins import load_plugins
from .registry import METHODS, get_method, register_method, unregister_method
from .text.units import Sentence, Token, Word

__all__ = ["Agreement", "BudgetExceeded", "Computed", "Influence", "SelfInfluence", "influence", "self_influence",
           "Counterfactual", "Counterfactuals", "DEFAULT_CACHE", "Edit", "Explanation",
           "ExplanationCache", "InputError",
           "PAIR_METHODS", "PairExplanation", "explain_pair", "register_pair_method",
           "METHODS", "METRICS", "Method", "MethodResult", "Metric", "MetricValue",
           "ModelUnavailable", "Param", "Plausibility", "ResourceExhausted", "Scorecard", "Sentence", "Token", "Word", "compare",
           "counterfactuals", "evaluate", "evaluate_each", "explain", "explain_many", "get_method", "load_plugins", "plausibility",
           "rationale_spans", "register_method",
           "register_metric", "unregister_method", "unregister_metric"]
