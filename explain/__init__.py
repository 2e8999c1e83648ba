"""Explanations of model outputs: ``explain(model, text, method=...) -> Explanation``."""
from .api import explain
from .explanation import Explanation
from .registry import METHODS

__all__ = ["explain", "Explanation", "METHODS"]
