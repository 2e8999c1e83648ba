"""The scorecard: is an explanation faithful (``evaluate``), and do the methods agree (``compare``)?

One metric is one class (``NAME``, ``LOWER_IS_BETTER``, a one-line definition) in ``METRICS``."""
from .agreement import Agreement, compare
from .base import BINS, Metric
from .scorecard import HEADLINE, METRICS, Scorecard, evaluate

__all__ = ["Agreement", "BINS", "HEADLINE", "METRICS", "Metric", "Scorecard", "compare", "evaluate"]
