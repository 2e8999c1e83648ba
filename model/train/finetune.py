"""Fine-tuning: the head and the encoder's top layers together, AdamW in mini-batches, on a copy of
the encoder (the shared one never changes), under the device's mixed precision."""
from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch

from ..base import TextModel
from ..device import precision
from .head import class_weights
from .settings import Epoch, Settings


def finetune(encoder_model: TextModel, head: torch.nn.Linear, texts: list[str], y: np.ndarray, k: int,
             settings: Settings, heldout: tuple | None, on_epoch, on_step,
             on_checkpoint=None) -> tuple[torch.nn.Module, list[Epoch]]:
    """The head and the encoder's top layers together, AdamW, mini-batches; a copy of the encoder.
    ``on_checkpoint(encoder, head, layers, learning_rate)`` at every epoch's end (what TracIn reads)."""
    from types import SimpleNamespace

    from ..internals import anatomy

    torch.manual_seed(settings.seed)
    encoder = copy.deepcopy(encoder_model.network).float()
    layers = anatomy(SimpleNamespace(transformer=encoder.transformer, name=encoder_model.name)).layers
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    trainable = [p for layer in layers[-settings.layers:] for p in layer.parameters()]
    for parameter in trainable:
        parameter.requires_grad_(True)
    device = next(encoder.parameters()).device
    head = head.float().to(device)
    optimizer = torch.optim.AdamW([{"params": trainable, "lr": settings.learning_rate or 3e-5},
                                   {"params": head.parameters(), "lr": 1e-3, "weight_decay": 0.0}],
                                  weight_decay=0.01)
    weights = torch.tensor(class_weights(y, k, settings.class_weights), dtype=torch.float32, device=device)
    adapter = encoder_model.adapter
    rng = np.random.default_rng(settings.seed)

    # Mixed precision on CUDA as for every forward (weights and optimiser state stay float32); fp16
    # needs its loss scaled so small gradients do not underflow, bf16 does not.
    dtype = getattr(encoder_model, "dtype", torch.float32)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda" and dtype == torch.float16)

    def batch_logits(batch_texts: list[str]) -> torch.Tensor:
        seqs = [list(adapter.tokenize(t).ids) for t in batch_texts]
        tensors = encoder_model._tensors(seqs, None)
        with precision(device, dtype):
            hidden = encoder(tensors["input_ids"], tensors["attention_mask"], tensors.get("token_type_ids"))
        return head(hidden.float())

    history: list[Epoch] = []
    started = time.perf_counter()
    steps_per_epoch = math.ceil(len(texts) / settings.batch_size)
    for epoch in range(1, settings.steps + 1):
        encoder.train()
        order = rng.permutation(len(texts))
        total = 0.0
        for step in range(steps_per_epoch):
            chosen = order[step * settings.batch_size:(step + 1) * settings.batch_size]
            target = torch.from_numpy(y[chosen].astype(np.int64)).to(device)
            logits = batch_logits([texts[i] for i in chosen])
            loss = (weights[target] * torch.nn.functional.cross_entropy(logits, target, reduction="none")).mean()
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += float(loss.detach()) * len(chosen)
            if on_step is not None:
                on_step(epoch, step + 1, steps_per_epoch)
        encoder.eval()
        held_loss = held_accuracy = None
        if heldout is not None:
            with torch.no_grad():
                logits = torch.cat([batch_logits(list(heldout[0][i:i + 64])) for i in range(0, len(heldout[0]), 64)])
                target = torch.from_numpy(np.asarray(heldout[1], np.int64)).to(device)
                held_loss = float(torch.nn.functional.cross_entropy(logits, target))
                held_accuracy = float((logits.argmax(1) == target).float().mean())
        history.append(Epoch(epoch, total / len(texts), held_loss, held_accuracy,
                             round(time.perf_counter() - started, 4)))
        if on_epoch is not None:
            on_epoch(history[-1])
        if on_checkpoint is not None:
            with torch.no_grad():
                on_checkpoint(encoder, head, {name: p.detach().clone() for name, p in encoder.named_parameters()
                                              if p.requires_grad}, settings.learning_rate or 3e-5)
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    return encoder.eval(), history
