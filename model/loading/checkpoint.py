"""A model from a folder: a checkpoint written by ``save_pretrained`` (or a sentence-transformers
folder), loaded as a model of the one model API.

Nothing from the folder runs and nothing is unpickled: a config that asks for custom code
(``auto_map``) is refused, only ``*.safetensors`` weights are read (a folder that holds only
pickles such as ``pytorch_model.bin`` gets one sentence saying so), the architecture must be one of
``SUPPORTED``, and the weights' size is checked against a cap (``STUDIO_MAX_MODEL_BYTES``, 2 GB by
default) before any is read. Every refusal happens in ``inspect_checkpoint``, before any weight
is opened. The task is inferred (a sequence classifier: classification, or zero-shot too when its
labels include entailment and contradiction; a token classifier: token-classification; a sentence-transformers
folder: embedding with its own pooling; a bare encoder: embedding with mean pooling) and can be chosen with
``task=``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..base import ModelInfo, TextModel, served_as
from ..errors import InputError, ModelUnavailable
from ..tasks import get_task
from . import builders

ENCODERS = ("albert", "bart", "bert", "deberta-v2", "distilbert", "electra", "modernbert", "mpnet", "roberta",
            "xlm-roberta")
# Decoder-only language models (``model.kinds.generation``): causal LMs, or classifiers reading the last token.
DECODERS = ("gemma", "gemma2", "gemma3_text", "gpt2", "llama", "mistral", "phi3", "qwen2", "qwen3")
SUPPORTED = ENCODERS + DECODERS
NAMES = {"albert": "ALBERT", "bart": "BART", "bert": "BERT", "deberta-v2": "DeBERTa-v2/v3", "distilbert": "DistilBERT",
         "electra": "ELECTRA", "modernbert": "ModernBERT", "mpnet": "MPNet", "roberta": "RoBERTa",
         "xlm-roberta": "XLM-RoBERTa", "gemma": "Gemma", "gemma2": "Gemma 2", "gemma3_text": "Gemma 3", "gpt2": "GPT-2",
         "llama": "Llama", "mistral": "Mistral", "phi3": "Phi-3", "qwen2": "Qwen2", "qwen3": "Qwen3"}
PICKLES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".h5", ".msgpack")
MAX_BYTES_DEFAULT = 2 * 2**30
MAX_BYTES_ENV = "STUDIO_MAX_MODEL_BYTES"
CLASSIFICATION, ZERO_SHOT, EMBEDDING, GENERATION = "classification", "zero-shot", "embedding", "generation"
TOKEN_CLASSIFICATION = "token-classification"
ST_KINDS = ("Transformer", "Pooling", "Normalize")  # the sentence-transformers modules read (see _module_kind)


def max_bytes_setting() -> int:
    """The weights cap: ``STUDIO_MAX_MODEL_BYTES`` (the operator's setting) or 2 GB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return MAX_BYTES_DEFAULT
    try:
        value = int(float(raw))
    except ValueError:
        raise InputError(f"{MAX_BYTES_ENV} must be a number of bytes, not {raw!r}.") from None
    if value <= 0:
        raise InputError(f"{MAX_BYTES_ENV} must be above 0.")
    return value


@dataclass(frozen=True)
class Checkpoint:
    """What a folder holds, checked: where its transformer is, what it can be, how big it is."""

    path: Path
    model_type: str
    tasks: tuple[str, ...]  # the tasks it can serve, the inferred one first
    labels: tuple[str, ...]
    weights_bytes: int
    transformer: Path  # the folder with config.json and the weights (a sentence-transformers module's own)
    pooling: str | None = None  # sentence-transformers pooling ("mean", "cls", "max"); None: not such a folder
    normalize: bool = False
    max_seq_length: int | None = None

    @property
    def task(self) -> str:
        return self.tasks[0]


def _json(path: Path, what: str) -> dict | list | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ModelUnavailable(f"{what} of {path.parent.name!r} is not readable JSON.") from None


def _is_nli(labels: tuple[str, ...]) -> bool:
    lowered = [label.lower() for label in labels]
    return any(label.startswith("entail") for label in lowered) and any(label.startswith("contradict")
                                                                        for label in lowered)


def _module_kind(type_name: str) -> str | None:
    """"Transformer", "Pooling" or "Normalize" for every spelling sentence-transformers has written in
    modules.json (``sentence_transformers.models.Pooling`` up to v5; v6's
    ``sentence_transformers.base.modules.transformer.Transformer``,
    ``sentence_transformers.sentence_transformer.modules.pooling.Pooling``, ...): the class name after a
    module path of the package. Nothing is imported: the name only says which of the three it is."""
    parts = type_name.split(".")
    if len(parts) >= 2 and parts[0] == "sentence_transformers" and parts[-1] in ST_KINDS:
        return parts[-1]
    return None


def _pooling(config: dict, folder: Path) -> str:
    """The pooling mode from a Pooling module's config: v6's ``pooling_mode`` or the earlier flags."""
    mode = config.get("pooling_mode")
    if mode is None:
        mode = "cls" if config.get("pooling_mode_cls_token") else "max" if config.get("pooling_mode_max_tokens") \
            else "mean"
    if mode not in ("mean", "cls", "max"):
        raise ModelUnavailable(f"{folder.name!r}: its pooling {mode!r} is not supported (mean, cls and max are).")
    return mode


def _sentence_transformers(folder: Path) -> tuple[Path, str, bool, int | None] | None:
    """(module 0's folder, pooling, normalize, max_seq_length) of a sentence-transformers folder."""
    modules = _json(folder / "modules.json", "modules.json")
    if modules is None:
        return None
    if not isinstance(modules, list) or not modules or not all(isinstance(m, dict) for m in modules):
        raise ModelUnavailable(f"{folder.name!r}: modules.json is not a list of modules.")
    types = [str(m.get("type", "")) for m in modules]
    kinds = [_module_kind(t) for t in types]
    unknown = [t for t, k in zip(types, kinds) if k is None]
    if unknown or kinds[0] != "Transformer" or kinds.count("Transformer") != 1:
        shown = unknown[0] if unknown else types[0]
        raise ModelUnavailable(f"{folder.name!r}: the sentence-transformers module {shown!r} is not supported (a "
                               "Transformer, then Pooling and optionally Normalize, are).")
    transformer = (folder / str(modules[0].get("path", ""))).resolve()
    if folder.resolve() not in (transformer, *transformer.parents):
        raise ModelUnavailable(f"{folder.name!r}: a module path leaves the folder.")
    pooling = "mean"
    for module, kind in zip(modules, kinds):
        if kind == "Pooling":
            config = _json(folder / str(module.get("path", "")) / "config.json", "the pooling config") or {}
            pooling = _pooling(config if isinstance(config, dict) else {}, folder)
    normalize = "Normalize" in kinds
    settings = _json(folder / "sentence_bert_config.json", "sentence_bert_config.json") or {}
    length = settings.get("max_seq_length") if isinstance(settings, dict) else None
    return transformer, pooling, normalize, length if isinstance(length, int) else None


def _weights(folder: Path, shown: str, max_bytes: int) -> int:
    """The safetensors weights' total size, refusing pickles, missing weights and sizes over the cap."""
    tensors = sorted(folder.glob("*.safetensors"))
    if not tensors:
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PICKLES)
        if pickles:
            raise ModelUnavailable(f"{shown!r} holds only pickled weights ({pickles[0]}), which are never loaded: "
                                   "safetensors weights (model.safetensors) are needed; re-save it with "
                                   "save_pretrained(safe_serialization=True).")
        raise ModelUnavailable(f"{shown!r} has no model weights (model.safetensors).")
    total = sum(p.stat().st_size for p in tensors)
    if total > max_bytes:
        raise ModelUnavailable(f"{shown!r} has {total / 2**30:.2f} GB of weights; the limit is "
                               f"{max_bytes / 2**30:.2f} GB ({MAX_BYTES_ENV}).")
    return total


def inspect_checkpoint(path: str | os.PathLike, *, max_bytes: int | None = None, shown: str | None = None) -> Checkpoint:
    """Check a folder before anything of it is loaded: one ``ModelUnavailable`` sentence for anything refused."""
    folder = Path(path).expanduser()
    shown = shown or folder.name or str(folder)
    if not folder.is_dir():
        raise ModelUnavailable(f"{shown!r} is not a folder.")
    max_bytes = max_bytes_setting() if max_bytes is None else max_bytes
    st = _sentence_transformers(folder)
    transformer = st[0] if st else folder
    config = _json(transformer / "config.json", "config.json")
    if not isinstance(config, dict):
        raise ModelUnavailable(f"{shown!r} has no config.json: give a folder written by save_pretrained.")
    tokenizer_config = _json(transformer / "tokenizer_config.json", "tokenizer_config.json") or {}
    if "auto_map" in config or (isinstance(tokenizer_config, dict) and "auto_map" in tokenizer_config):
        raise ModelUnavailable(f"{shown!r} asks for custom code (auto_map in its config), and the studio never runs "
                               "code from a model's folder.")
    model_type = str(config.get("model_type", ""))
    if model_type not in SUPPORTED:
        raise ModelUnavailable(f"{shown!r} is a {model_type or 'model of unknown type'} model; the supported "
                               f"architectures are {', '.join(NAMES[t] for t in SUPPORTED)}.")
    size = _weights(transformer, shown, max_bytes)
    id2label = config.get("id2label") or {}
    labels = tuple(str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(len(id2label))) \
        if isinstance(id2label, dict) else ()
    architectures = [str(a) for a in config.get("architectures") or []]
    classifier = any(a.endswith("ForSequenceClassification") for a in architectures)
    tagger = any(a.endswith("ForTokenClassification") for a in architectures)
    if model_type in DECODERS and not classifier and not st:
        if not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
            raise ModelUnavailable(f"{shown!r} is a {NAMES[model_type]} model without a language-model head (its "
                                   "architectures name no ...ForCausalLM): it cannot generate.")
        tasks: tuple[str, ...] = (GENERATION, ZERO_SHOT)  # (zero-shot by prompting: model.kinds.prompt_zero_shot)
    elif st:
        tasks = (EMBEDDING,)
    elif tagger and model_type in ENCODERS:
        tasks = (TOKEN_CLASSIFICATION, EMBEDDING)
    elif classifier and model_type in DECODERS:
        tasks = (CLASSIFICATION,)
    elif classifier:
        tasks = (CLASSIFICATION, ZERO_SHOT, EMBEDDING) if _is_nli(labels) else (CLASSIFICATION, EMBEDDING)
    else:
        tasks = (EMBEDDING,)
    return Checkpoint(path=folder.resolve(), model_type=model_type, tasks=tasks, labels=labels, weights_bytes=size,
                      transformer=transformer.resolve(), pooling=st[1] if st else None,
                      normalize=st[2] if st else False, max_seq_length=st[3] if st else None)


def serving_kind(task: str, checkpoint: Checkpoint, shown: str) -> str:
    """The kind of model (one of ``checkpoint.tasks``) a folder is built as to serve ``task``: the task
    itself for a built-in one, else a kind the registered task serves (``Task.SERVES``)."""
    if task in checkpoint.tasks:
        return task
    kinds = [kind for kind in get_task(task).kinds() if kind in checkpoint.tasks]
    if kinds:
        return kinds[0]
    why = {ZERO_SHOT: f"{shown} is not an NLI model: its labels do not include entailment and contradiction, so "
                      "it cannot be a zero-shot model",
           CLASSIFICATION: f"{shown} has no classification head, so it cannot be a classification model",
           GENERATION: f"{shown} has no language-model head, so it cannot generate",
           TOKEN_CLASSIFICATION: f"{shown} has no token-classification head (its architectures name no "
                                 "...ForTokenClassification), so it cannot label tokens"}.get(
        task, f"{shown} cannot be a {task} model")
    raise ModelUnavailable(f"{why}; it can be {' or '.join(checkpoint.tasks)}.")


def load_checkpoint(path: str | os.PathLike, *, task: str | None = None, name: str | None = None,
                    source: str | None = None, revision: str | None = None, max_bytes: int | None = None) -> TextModel:
    """The model in a folder (see the module's docstring), as ``task`` (default: the inferred one; a
    registered task loads the folder as a kind of model it serves)."""
    checkpoint = inspect_checkpoint(path, max_bytes=max_bytes, shown=name)
    chosen = task or checkpoint.task
    kind = serving_kind(chosen, checkpoint, repr(name or checkpoint.path.name))
    info = ModelInfo(name=name or checkpoint.path.name, task=kind, source=source or str(checkpoint.path),
                     revision=revision, description=f"{NAMES[checkpoint.model_type]} {chosen} model from "
                                                    f"{source or checkpoint.path.name}")
    build = {EMBEDDING: builders.embedding_from_folder, ZERO_SHOT: builders.nli_from_folder,
             CLASSIFICATION: builders.classifier_from_folder, GENERATION: builders.causal_lm_from_folder,
             TOKEN_CLASSIFICATION: builders.token_classifier_from_folder}[kind]
    if kind == ZERO_SHOT and checkpoint.model_type in DECODERS:
        build = builders.prompt_zero_shot_from_folder
    return served_as(build(info, checkpoint), name=info.name, task=chosen)


def is_path(name: object) -> bool:
    """Whether a model name is a local folder given as a path: a ``Path``, or text that says it is one
    ("./x", "../x", "/x", "~/x"). A bare "owner/name" is a Hub id, never read from the working directory."""
    if isinstance(name, os.PathLike):
        return True
    if not isinstance(name, str):
        return False
    return name.startswith(("./", "../", "/", "~", ".\\", "..\\")) or os.path.isabs(name) or name in (".", "..")


def describe(checkpoint: Checkpoint) -> str:
    """One line on what a folder holds (the operator's start-up log)."""
    return (f"{NAMES[checkpoint.model_type]}, {checkpoint.weights_bytes / 2**20:,.1f} MB of safetensors weights, "
            f"can be {' or '.join(checkpoint.tasks)}")
