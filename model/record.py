"""What a trained model keeps of its training, so that training-data attribution works after
``load_model(folder)``: the rows (texts, label indices, which were held out), the encoder features the
head was fitted on, and for a fine-tuned model a checkpoint per epoch (the head, the trained top layers,
the training rows' features at that epoch and its learning rate) for TracIn.

Saved beside the model: ``training-rows.json`` (texts, targets, held out) and tensors in its
safetensors file (``record.*``): never a pickle.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .errors import InputError

ROWS_NAME = "training-rows.json"


@dataclass
class Checkpoint:
    """One fine-tuning epoch's end: the head, the top layers trained, the training rows' features then."""

    weight: np.ndarray  # (k, d)
    bias: np.ndarray  # (k,)
    features: np.ndarray  # (n, d) every training row (held-out ones too), float32
    layers: dict[str, torch.Tensor]  # the encoder's trainable parameters at this epoch
    learning_rate: float


@dataclass
class TrainingRecord:
    texts: tuple[str, ...]
    targets: np.ndarray  # (n,) label indices
    heldout: np.ndarray  # (n,) bool: held out for validation (never trained on)
    features: np.ndarray  # (n, d) float64: the final encoder's features of every row
    l2: float
    class_weights: bool
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def trained_rows(self) -> np.ndarray:
        """Indices of the rows the model was trained on."""
        return np.flatnonzero(~self.heldout)

    def tensors(self) -> dict[str, torch.Tensor]:
        out = {"record.features": torch.from_numpy(np.ascontiguousarray(self.features, dtype=np.float64))}
        for t, c in enumerate(self.checkpoints):
            out[f"record.epoch{t}.weight"] = torch.from_numpy(np.ascontiguousarray(c.weight, dtype=np.float32))
            out[f"record.epoch{t}.bias"] = torch.from_numpy(np.ascontiguousarray(c.bias, dtype=np.float32))
            out[f"record.epoch{t}.features"] = torch.from_numpy(np.ascontiguousarray(c.features, dtype=np.float32))
            for key, value in c.layers.items():
                out[f"record.epoch{t}.layer.{key}"] = value.detach().float().cpu().contiguous()
        return out

    def rows_json(self) -> dict:
        return {"texts": list(self.texts), "targets": self.targets.tolist(), "heldout": self.heldout.tolist(),
                "l2": self.l2, "class_weights": self.class_weights,
                "learning_rates": [c.learning_rate for c in self.checkpoints]}

    def save(self, folder: Path) -> Path:
        path = Path(folder) / ROWS_NAME
        path.write_text(json.dumps(self.rows_json(), ensure_ascii=False), encoding="utf-8")
        return path


def read_record(folder: Path, tensors: dict, labels: int) -> TrainingRecord | None:
    """The record saved in ``folder`` (None for a folder saved without one), checked."""
    path = Path(folder) / ROWS_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        texts, targets, heldout = data["texts"], np.asarray(data["targets"], dtype=np.int64), \
            np.asarray(data["heldout"], dtype=bool)
        features = tensors["record.features"].double().numpy()
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{Path(folder).name!r}: its {ROWS_NAME} or recorded features are not readable.") from None
    n = len(texts)
    if not all(isinstance(t, str) for t in texts) or targets.shape != (n,) or heldout.shape != (n,) or \
            features.shape[0] != n or (n and (targets.min() < 0 or targets.max() >= labels)):
        raise InputError(f"{Path(folder).name!r}: its training rows do not fit together.")
    checkpoints = []
    for t, rate in enumerate(data.get("learning_rates", [])):
        prefix = f"record.epoch{t}."
        layers = {k[len(prefix) + 6:]: v for k, v in tensors.items() if k.startswith(prefix + "layer.")}
        checkpoints.append(Checkpoint(tensors[prefix + "weight"].double().numpy(),
                                      tensors[prefix + "bias"].double().numpy(),
                                      tensors[prefix + "features"].double().numpy(), layers, float(rate)))
    return TrainingRecord(tuple(texts), targets, heldout, features, float(data.get("l2", 0.0)),
                          bool(data.get("class_weights", False)), checkpoints)
