"""Running a model with hooks that act only for the calling thread: the app's other requests running
through the same modules are untouched. A module used by several layers (ALBERT's shared layer) is
recorded once per call, in call order."""
from __future__ import annotations

import contextlib
import threading
from collections import defaultdict

import numpy as np
import torch

from ..base import TextModel
from ..errors import InputError
from ..validation import check_text


class Capture:
    """Forward hooks that record (or replace) module inputs/outputs for the calling thread only."""

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self.inputs: dict[str, list[torch.Tensor]] = defaultdict(list)
        self.outputs: dict[str, list[torch.Tensor]] = defaultdict(list)
        self.handles = []

    def record_input(self, name: str, module: torch.nn.Module) -> None:
        def hook(_module, args, kwargs):
            if threading.get_ident() == self.owner:
                first = args[0] if args else next(iter(kwargs.values()))
                self.inputs[name].append(first.detach())
        self.handles.append(module.register_forward_pre_hook(hook, with_kwargs=True))

    def record_output(self, name: str, module: torch.nn.Module) -> None:
        def hook(_module, _args, output):
            if threading.get_ident() == self.owner:
                self.outputs[name].append((output[0] if isinstance(output, tuple) else output).detach())
        self.handles.append(module.register_forward_hook(hook))

    def pass_through(self, module: torch.nn.Module, calls: set[int] | None = None) -> None:
        """The module hands its input on unchanged (on the given calls of it; all when None): the layer
        lens stops the stack there."""
        count = [0]

        def hook(_module, args, kwargs, output):
            if threading.get_ident() != self.owner:
                return None
            call, count[0] = count[0], count[0] + 1
            if calls is not None and call not in calls:
                return None
            hidden = args[0] if args else kwargs["hidden_states"]
            return (hidden, *output[1:]) if isinstance(output, tuple) else hidden
        self.handles.append(module.register_forward_hook(hook, with_kwargs=True))

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


@contextlib.contextmanager
def capturing():
    capture = Capture()
    try:
        yield capture
    finally:
        capture.close()


def prepare(model: TextModel, text: str) -> tuple[list[str], dict[str, torch.Tensor], bool]:
    """The text's tokens, the model's input tensors, and whether the model cut the text."""
    check_text(text)
    tokenized = model.tokenize(text, long_text="truncate")  # one forward: what the model reads at once
    ids, mask = model.id_tensors([tokenized.ids])
    inputs = {"input_ids": ids, "attention_mask": mask}
    if model.adapter.uses_token_types:
        inputs["token_type_ids"] = torch.zeros_like(ids)
    return list(tokenized.tokens), inputs, tokenized.truncated


def encoder_of(model: TextModel) -> torch.nn.Module:
    """The module whose hidden states are the layers' inputs: the base model (BART: its encoder)."""
    base = getattr(model.transformer, "base_model", model.transformer)
    return base.get_encoder() if getattr(base.config, "is_encoder_decoder", False) else base


def base_forward(model: TextModel, inputs: dict) -> tuple:
    """The encoder on one text: every hidden state (the embeddings, then each layer's output), float32."""
    encoder = encoder_of(model)
    if getattr(encoder.config, "is_encoder_decoder", False):
        inputs = {k: v for k, v in inputs.items() if k != "token_type_ids"}
    with model._attention_switch.shared(), torch.inference_mode():
        out = encoder(**inputs, output_hidden_states=True)
    return tuple(h[0].float().cpu() for h in out.hidden_states)


def check_index(value, name: str, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
        raise InputError(f"The {name} must be a whole number from 0 to {count - 1} (counted from 0); got {value!r}.")
    return int(value)
