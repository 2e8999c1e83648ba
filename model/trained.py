"""Classifiers trained in this process: built like the bundled one, kept in a bounded store, saved
as safetensors + JSON and loaded back from exactly that format (never pickle, never remote code).

A trained classifier is ``IntentNetwork(sentence encoder, Linear head)`` inside a
``ClassifierModel``, the bundled ``intent-minilm``'s own construction. A head-only model shares
its encoder (and that encoder's attention lock) with the embedding model it was trained on; a
fine-tuned one owns a copy. ``TRAINED`` holds them by name for the server's lifetime (least
recently used first out past ``MAX_MODELS`` or ``MAX_BYTES`` of weights of their own), and a name
belongs to whoever trained it first: another owner cannot replace it.
"""
from __future__ import annotations

import copy
import json
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

import torch

from .base import ModelInfo, TextModel
from .errors import InputError
from .kinds.classifier import ClassifierModel, IntentNetwork
from .record import read_record
from .registry import REGISTRY
from .tasks import Classification, Embedding
from .validation import MAX_LABEL_CHARS

CONFIG_NAME = "studio-model.json"
WEIGHTS_NAME = "model.safetensors"
FORMAT = "studio-trained-classifier"
FORMAT_VERSION = 1
MAX_MODELS = 8
MAX_BYTES = 1 << 30
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def check_name(name: object) -> str:
    """A trained model's name: 1-40 letters, digits, '-' or '_', and not a registry model's name."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError("The model name must be 1 to 40 letters, digits, '-' or '_' (no spaces or '/').")
    if name in REGISTRY:
        raise InputError(f"{name!r} is the name of a built-in model; choose another name.")
    return name


def build_classifier(name: str, encoder_model: TextModel, head: torch.nn.Linear, labels: list[str], *,
                     encoder: torch.nn.Module | None = None, settings: dict | None = None) -> ClassifierModel:
    """A classification model: ``encoder_model``'s sentence encoder (or ``encoder``, a fine-tuned
    copy of it) followed by ``head``."""
    own = encoder is not None
    encoder = encoder if own else encoder_model.network
    info = ModelInfo(name=name, task=Classification.NAME, source=f"trained on {encoder_model.name}",
                     description=f"trained in the studio on {encoder_model.name} ({len(labels)} labels)")
    model = ClassifierModel(info, IntentNetwork(encoder, head), encoder_model.tokenizer, encoder_model.max_length,
                            encoder.transformer, labels=list(labels))
    if not own:  # one encoder, one lock: the attention switch of either model waits for the other's forwards
        model._attention_switch = encoder_model._attention_switch
    # PyTorch, not ONNX Runtime: an export takes seconds and ~90 MB of disk per model (and per retraining, as
    # exports are keyed by the weights), which users training many models would fill; forwards are ~1.3x slower.
    model.runtime = "torch"
    model.trained = {"encoder": encoder_model.name, "encoder_source": encoder_model.info.source,
                     "mode": "finetune" if own else "head", "settings": dict(settings or {})}
    return model


def own_bytes(model: ClassifierModel) -> int:
    """Bytes of weights this model holds alone (a shared encoder is not counted)."""
    modules = [model.network.head] + ([model.network.encoder] if model.trained["mode"] == "finetune" else [])
    return sum(p.numel() * p.element_size() for m in modules for p in m.parameters())


class TrainedStore:
    """Trained models by name, bounded, least recently used out first; names keep their owner."""

    def __init__(self, max_models: int = MAX_MODELS, max_bytes: int = MAX_BYTES) -> None:
        self.max_models, self.max_bytes = max_models, max_bytes
        self._models: OrderedDict[str, tuple[ClassifierModel, object]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, model: ClassifierModel, owner: object = None) -> list[str]:
        """Keep ``model`` as ``name``; returns the names let go to stay within bounds."""
        check_name(name)
        with self._lock:
            if name in self._models and self._models[name][1] != owner:
                raise InputError(f"A model named {name!r} was trained by someone else; choose another name.")
            self._models[name] = (model, owner)
            self._models.move_to_end(name)
            evicted = []
            while len(self._models) > 1 and (len(self._models) > self.max_models or
                                             sum(own_bytes(m) for m, _ in self._models.values()) > self.max_bytes):
                evicted.append(self._models.popitem(last=False)[0])
            return evicted

    def taken(self, name: str, owner: object) -> bool:
        """Whether ``name`` belongs to another owner's model."""
        with self._lock:
            return name in self._models and self._models[name][1] != owner

    def get(self, name: object) -> ClassifierModel | None:
        with self._lock:
            if not isinstance(name, str) or name not in self._models:
                return None
            self._models.move_to_end(name)
            return self._models[name][0]

    def names(self) -> list[str]:
        with self._lock:
            return list(self._models)

    def remove(self, name: str) -> None:
        with self._lock:
            self._models.pop(name, None)


TRAINED = TrainedStore()


# ----------------------------------------------------------------------------- files
def save_trained(model: ClassifierModel, folder: str | os.PathLike) -> list[Path]:
    """``folder/model.safetensors`` (the head; the encoder too if fine-tuned) + ``folder/studio-model.json``."""
    from safetensors.torch import save_file

    trained = getattr(model, "trained", None)
    if trained is None:
        raise InputError("Only models trained in the studio can be saved in this format.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    head = model.network.head
    tensors = {"head.weight": head.weight.detach().float().cpu().contiguous(),
               "head.bias": head.bias.detach().float().cpu().contiguous()}
    if trained["mode"] == "finetune":
        for key, value in model.network.encoder.transformer.state_dict().items():
            tensors[f"encoder.{key}"] = value.detach().float().cpu().contiguous()
    record = trained.get("record")
    if record is not None:  # the training rows travel with the model (training-data attribution, retraining)
        tensors.update(record.tensors())
    save_file(tensors, str(folder / WEIGHTS_NAME))
    config = {"format": FORMAT, "version": FORMAT_VERSION, "name": model.name, "task": Classification.NAME,
              "encoder": trained["encoder"], "encoder_task": Embedding.NAME, "mode": trained["mode"],
              "labels": list(model.labels), "pooling": model.network.encoder.pooling,
              "normalize": bool(model.network.encoder.normalize), "head": list(head.weight.shape),
              "training": trained["settings"]}
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    return [folder / WEIGHTS_NAME, folder / CONFIG_NAME] + ([record.save(folder)] if record is not None else [])


def is_trained_folder(path: object) -> bool:
    return isinstance(path, (str, os.PathLike)) and (Path(path) / CONFIG_NAME).is_file()


def read_saved(folder: str | os.PathLike) -> tuple[dict, dict]:
    """The checked ``studio-model.json`` of a folder written by ``save_trained``, and its safetensors
    weights (never a pickle). ``model.loading.load_trained`` builds the model from them."""
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        config = json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{folder.name!r} has no readable {CONFIG_NAME}.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT or config.get("version") != FORMAT_VERSION:
        raise InputError(f"{folder.name!r} is not a classifier saved by the studio (format {FORMAT} "
                         f"version {FORMAT_VERSION}).")
    labels = config.get("labels")
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) and 0 < len(x) <=
                                                                 MAX_LABEL_CHARS for x in labels):
        raise InputError(f"{folder.name!r}: the labels in {CONFIG_NAME} are not a list of label names.")
    if config.get("mode") not in ("head", "finetune"):
        raise InputError(f"{folder.name!r}: unknown training mode {config.get('mode')!r}.")
    if not isinstance(config.get("encoder"), str):
        raise InputError(f"{folder.name!r}: {CONFIG_NAME} does not name its encoder.")
    try:
        tensors = load_file(str(folder / WEIGHTS_NAME))
    except (OSError, Exception) as err:  # safetensors raises its own error types for a bad file
        raise InputError(f"{folder.name!r}: {WEIGHTS_NAME} could not be read ({type(err).__name__}).") from None
    return config, tensors


def from_saved(folder: str | os.PathLike, config: dict, tensors: dict, encoder_model: TextModel) -> ClassifierModel:
    """The classifier of ``read_saved``'s config and weights on its (already loaded) encoder model:
    identical predictions to the model that was saved."""
    folder = Path(folder)
    labels = config["labels"]
    weight, bias = tensors.get("head.weight"), tensors.get("head.bias")
    dim = encoder_model.predict(["probe"]).shape[1]
    if weight is None or bias is None or tuple(weight.shape) != (len(labels), dim) or tuple(bias.shape) != \
            (len(labels),):
        raise InputError(f"{folder.name!r}: the head's weights do not fit {len(labels)} labels on "
                         f"{encoder_model.name}'s {dim} dimensions.")
    head = torch.nn.Linear(dim, len(labels))
    with torch.no_grad():
        head.weight.copy_(weight)
        head.bias.copy_(bias)
    encoder = None
    if config["mode"] == "finetune":
        encoder = copy.deepcopy(encoder_model.network)
        state = {k[len("encoder."):]: v for k, v in tensors.items() if k.startswith("encoder.")}
        try:
            encoder.transformer.load_state_dict(state, strict=True)
        except RuntimeError:
            raise InputError(f"{folder.name!r}: the fine-tuned encoder's weights do not fit "
                             f"{encoder_model.name}.") from None
    name = config.get("name") if isinstance(config.get("name"), str) and _NAME.match(config["name"]) else folder.name
    model = build_classifier(name, encoder_model, head, labels, encoder=encoder,
                             settings=config.get("training") if isinstance(config.get("training"), dict) else {})
    model.trained["record"] = read_record(folder, tensors, len(labels))
    return model
