"""The scorecard: is an explanation faithful (``score``; ``explain.evaluate`` with the method's
re-run), do the methods agree (``compare``), and do they point at the words a person marked
(``plausibility``)?

One metric is one class (``NAME``, ``LOWER_IS_BETTER``, a one-line definition) and one
``register_metric`` call; ``METRICS`` lists them."""
from .agreement import Agreement, compare
from .base import BINS, Metric, MetricValue
from .plausibility import Plausibility, plausibility, rationale_spans
from .registry import HEADLINE, METRICS, get_metrics, register_metric, unregister_metric
from .scorecard import Scorecard, score

__all__ = ["Agreement", "BINS", "HEADLINE", "METRICS", "Metric", "MetricValue", "Plausibility", "Scorecard", "compare",
           "get_metrics", "plausibility", "rationale_spans", "register_metric", "score",
           "unregister_metric"]
