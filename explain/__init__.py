"""Explanations of model outputs: ``explain(model, text, method=...) -> Explanation``."""
from .api import explain, explain_many
from .explanation import Explanation
from .registry import METHODS

__all__ = ["explain", "explain_many", "Explanation", "METHODS"]
