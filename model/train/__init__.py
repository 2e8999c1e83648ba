"""Train a classifier on labelled examples: a head on a frozen encoder, or fine-tune its top layers.

**head** (default, seconds on a CPU): softmax regression on the encoder's normalised mean-pooled
embeddings, in PyTorch (float64), minimising the mean (optionally class-weighted) cross-entropy +
``l2``/2 ||W||^2 (one weight row per label) by full-batch L-BFGS (or Adam). With three or more
labels that is scikit-learn's ``LogisticRegression`` objective with ``C = 1 / (l2 * n_train)``, so
both find the same model (tested). With two labels scikit-learn fits a single weight vector w with
||w||^2 / 2C; the head's two rows are -w/2 and w/2 at the optimum, so its penalty is half as strong
and it equals scikit-learn with ``C = 2 / (l2 * n_train)`` (tested). The head keeps the same
strength per weight row whatever the number of labels, rather than change its meaning at two.
**finetune**: the head is fitted first as above, then it and the encoder's top ``layers`` layers
train together with AdamW in mini-batches (a copy of the encoder: the shared one never changes).

The same seed and data give identical weights. Held-out rows are a stratified, seeded split (or
``folds``-fold cross-validation); every epoch reports the training loss and the held-out loss and
accuracy, and the end a confusion matrix and per-class precision and recall.

CLI: ``python -m model.train --file data.csv --text-column text --label-column label --out my-model/``.
"""
from .data import Examples, examples_from_rows, left_out, parse_pasted, prepare_examples
from .head import class_weights, fit_head
from .retrain import left_out_in_turn, retrain_without
from .run import bundle, train, train_live
from .settings import MODES, OPTIMIZERS, Epoch, Report, Result, Settings, report

__all__ = ["MODES", "OPTIMIZERS", "Epoch", "Examples", "Report", "Result",
           "Settings", "bundle", "class_weights", "examples_from_rows", "fit_head", "left_out", "left_out_in_turn",
           "parse_pasted", "prepare_examples", "report", "retrain_without", "train", "train_live"]
