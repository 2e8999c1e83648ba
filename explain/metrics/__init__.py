"""The scorecard: is an explanation faithful (``score``; ``explain.evaluate`` with the method's
re-run), and do the methods agree (``compare``)?

One metric is one class (``NAME``, ``LOWER_IS_BETTER``, a one-line definition) and one
``register_metric`` call; ``METRICS`` lists them."""
from .agreement import Agreement, compare
from .base import BINS, Metric, MetricValue
from .registry import HEADLINE, METRICS, get_metrics, register_metric, unregister_metric
from .scorecard import Scorecard, score

__all__ = ["Agreement", "BINS", "HEADLINE", "METRICS", "Metric", "MetricValue", "Scorecard", "compare",
           "get_metrics", "register_metric", "score", "unregister_metric"]
