"""Dataset mode: explain a whole file, see what the model relies on across it, scale out on Ray.

``explain_dataset(model, "data.csv", "shap", label_column="label")`` streams ``RowResult``s and
keeps a ``Summary`` (global word importance per class, accuracy, confusion matrix, misclassified
rows) with memory bounded whatever the file's size. ``explain_rows`` is the pure per-batch
function that both the local engine and the Ray engine (``ray_engine.run_on_ray``) run.
"""
from model.rows import FORMATS, MAX_FILE_BYTES, Row, columns_of, count_rows, read_rows

from .aggregate import Summary, iter_records
from .pairs import PairFile, explain_pair_file
from .stream import DatasetRun, RowResult, explain_dataset, explain_rows

__all__ = ["DatasetRun", "FORMATS", "PairFile", "explain_pair_file",
           "MAX_FILE_BYTES", "Row", "RowResult", "Summary", "columns_of", "count_rows",
           "explain_dataset", "explain_rows", "iter_records", "read_rows"]
