"""ONNX Runtime for the forward-only paths on CPU (predictions and perturbation explainers).

Measured here (``python -m bench``): ONNX Runtime runs MiniLM ~1.4x faster than PyTorch on this
CPU with outputs equal within 1e-5, so perturbation explainers, whose cost is almost all
forward passes, use it. Attention maps and gradients stay on PyTorch.

The network is exported once per model (legacy TorchScript exporter, dynamic batch and length)
to a cache folder keyed by a hash of the weights, checked against PyTorch on a probe batch, and
dropped in favour of PyTorch if anything fails or differs. ``STUDIO_RUNTIME=torch`` turns it off.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from .errors import InputError

log = logging.getLogger(__name__)

TOLERANCE = 1e-5
CACHE_ENV = "STUDIO_CACHE"


def wanted(device: torch.device) -> bool:
    """ONNX on CPU unless STUDIO_RUNTIME=torch, and only where onnxruntime and onnx import."""
    choice = os.environ.get("STUDIO_RUNTIME", "auto").strip().lower()
    if choice not in ("auto", "onnx", "torch"):
        raise InputError(f"STUDIO_RUNTIME={choice!r} must be auto, onnx or torch.")
    if choice == "torch" or device.type != "cpu":
        return False
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        if choice == "onnx":
            raise InputError("STUDIO_RUNTIME=onnx needs the packages onnx and onnxruntime.") from None
        return False
    return True


def cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "transformer-studio")
    folder = Path(root) / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def weights_digest(network: torch.nn.Module) -> str:
    """Hash of every parameter and buffer: the cache key of an export."""
    digest = hashlib.sha256()
    for name, tensor in network.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    digest.update(torch.__version__.encode())
    return digest.hexdigest()[:24]


class OnnxForward:
    """``__call__(tensors) -> np.ndarray`` with the same inputs and outputs as the torch network."""

    def __init__(self, network: torch.nn.Module, input_names: list[str], example: dict[str, torch.Tensor],
                 label: str):
        import onnxruntime as ort

        self.input_names = input_names
        path = cache_dir() / f"{label}-{weights_digest(network)}.onnx"
        if not path.exists():
            self._export(network, example, path)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # No busy-waiting after a run: on a small CPU the spinning threads slow the PyTorch work that follows
        # (gradients, attention) by ~10% (measured with python -m bench); back-to-back runs lose nothing measurable.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # As many threads as PyTorch's (which follows OMP_NUM_THREADS): ONNX Runtime's own default is every core,
        # so two processes told to use one thread each (the test workers, a server's workers) fought over both.
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        # The graph keeps only the inputs the network reads (DistilBERT and DeBERTa-v3 ignore token types).
        self.fed = [i.name for i in self.session.get_inputs()]
        self._check(network, example)

    def _export(self, network, example, path: Path) -> None:
        args = tuple(example[name] for name in self.input_names)
        axes = {name: {0: "batch", 1: "length"} for name in self.input_names}
        # (a token classifier's output has a row per token: its length is the input's)
        axes["output"] = {0: "batch", 1: "length"} if getattr(network, "per_token", False) else {0: "batch"}
        handle, tmp = tempfile.mkstemp(suffix=".onnx", dir=path.parent)
        os.close(handle)
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(network, args, tmp, input_names=self.input_names, output_names=["output"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        os.replace(tmp, path)  # atomic: a concurrent process never reads a half-written file

    def _check(self, network, example) -> None:
        with torch.inference_mode():
            expected = network(**example).float().numpy()
        got = self(example)
        if got.shape != expected.shape or not np.allclose(got, expected, atol=TOLERANCE, rtol=0):
            raise ValueError(f"ONNX output differs from PyTorch by {np.abs(got - expected).max():.2e}.")

    def __call__(self, tensors: dict[str, torch.Tensor]) -> np.ndarray:
        feeds = {name: tensors[name].cpu().numpy().astype(np.int64) for name in self.fed}
        return self.session.run(None, feeds)[0].astype(np.float32)
