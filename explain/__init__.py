"""Explanations of model outputs: ``explain(model, text, method, **params) -> Explanation``.

The method contract (``Method``, ``Param``, ``MethodResult``, ``register_method``, ``METHODS``)
is public: a new method is one file and one ``register_method`` call (see ``explain.base``).
"""
from model.errors import BudgetExceeded, InputError, ModelUnavailable, ResourceExhausted

from .api import explain, explain_many
from .base import Method, MethodResult, Param
from .cache import DEFAULT_CACHE, ExplanationCache
from .explanation import Explanation, Token, Word
from .metrics import METRICS, Agreement, Scorecard, compare, evaluate
from .plugins import load_plugins
from .registry import METHODS, get_method, register_method, unregister_method

__all__ = ["Agreement", "BudgetExceeded", "DEFAULT_CACHE", "Explanation", "ExplanationCache", "InputError", "METHODS",
           "METRICS", "Method", "MethodResult", "ModelUnavailable", "Param", "ResourceExhausted", "Scorecard", "Token",
           "Word", "compare", "evaluate", "explain", "explain_many", "get_method", "load_plugins", "register_method",
           "unregister_method"]
