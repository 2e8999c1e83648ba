"""Attention rollout (Abnar & Zuidema, 2020) as an explanation: attention traced back through every
layer with the residual stream (``rollout`` in ``explain.methods.attention``); the same forward and
text positions as raw attention."""
from __future__ import annotations

from .attention import AttentionBase


class RolloutMethod(AttentionBase):
    NAME = "rollout"
    LABEL = "Rollout"
    use_rollout = True
    DESCRIPTION = ("Attention rollout: attention traced back through every layer (with the residual "
                   "connection), showing which input tokens each position draws on overall.")
    COLOUR = "#4d908e"  # (not the diverging blue: rollout is not a signed value)
