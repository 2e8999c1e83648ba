"""Zero-shot classification by prompting a decoder: each candidate label put into the hypothesis template,
after the text, scored by the log-probability the language model gives the label's tokens; softmax across
the labels.

``predict_ids(ids, labels, hypothesis_template=)``: for the text's tokens (as ``tokenize`` gives them,
possibly perturbed), the template's words before the label follow on a new line ("\\nThis text is about"),
then the label's own tokens (" sports."); a label's score is the sum of the log-probabilities of those label
tokens under teacher forcing. The words before the label are the same for every label, so leaving their
log-probability out changes no label's share. A template holding ``{text}`` (``"Classify the topic.\nText:
{text}\nTopic: {}"``) puts the text there: its instructions go before the text's tokens (after any start
token), what follows ``{text}`` leads to the label; only the text's own tokens are explained. Every label of
a batch of texts is one forward per text and label (``CausalLM.continuation_logprobs``), and the same maths,
differentiable, is what gradient methods integrate. A prompted decoder compares the labels with each other:
``multi_label`` (each label on its own) is for NLI and similarity models, and one label alone is refused.
"""
from __future__ import annotations

import numpy as np
import torch

from ..base import as_id_lists
from ..errors import InputError
from ..validation import TEXT_SLOT, check_labels, check_template
from ..windows import Reading
from .generation import CausalLM

PROMPT_TEMPLATE = "This text is about {}."


class PromptZeroShot(CausalLM):
    """A causal language model serving zero-shot classification by prompting."""

    kind = task = "zero-shot"
    default_template = PROMPT_TEMPLATE

    def _parts(self, labels, hypothesis_template=None, multi_label=False, **options) -> tuple[list[int], list]:
        """(the ids between the text and the label, each label's ids), the options checked."""
        labels = check_labels(labels)
        if len(labels) < 2:
            raise InputError("A prompted decoder compares the candidate labels with each other: give at least two.")
        if multi_label:
            raise InputError("A prompted decoder scores the labels against each other; scoring each label on its own "
                             "(multi_label) is for NLI and similarity models.")
        Reading.pop(options)
        if options:
            raise InputError(f"A zero-shot model takes no option {sorted(options)[0]!r}.")
        template = check_template(hypothesis_template if hypothesis_template is not None else self.default_template)
        if TEXT_SLOT in template:  # instructions, the text, what leads to the label, the label
            instructions, template = template.split(TEXT_SLOT)
            before, after = template.split("{}")
            lead = self.adapter.encode_content(instructions) if instructions else []
            bridge = self.adapter.encode_content(before.rstrip()) if before.strip() else []
        else:  # the text, then the hypothesis on a new line
            before, after = template.split("{}")
            lead, bridge = [], self.adapter.encode_content("\n" + before.rstrip())
        pieces = [self.adapter.encode_content(" " + label + after) for label in labels]
        if any(not piece for piece in pieces):
            raise InputError("A label has no tokens this model can read.")
        return lead, bridge, pieces

    def _led(self, seqs: list[list[int]], lead: list[int]) -> list[list[int]]:
        """Each text's ids with the template's instructions put before its content (after any start token)."""
        at = len(self.adapter.single.prefix)
        return [s[:at] + lead + s[at:] for s in seqs] if lead else seqs

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Each label's share (n, n_labels): softmax across the labels of their tokens' total log-probability."""
        lead, bridge, pieces = self._parts(labels, **options)
        seqs = self._led(as_id_lists(id_batch), lead)
        totals = np.stack([self.continuation_logprobs(seqs, bridge + piece)[:, len(bridge):].sum(1)
                           for piece in pieces], axis=1)
        return torch.softmax(torch.from_numpy(totals), dim=1).numpy().astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        lead, bridge, pieces = self._parts(labels, **options)
        if lead:  # the instructions' embeddings go in after any start token (constants: nothing to attribute)
            at = len(self.adapter.single.prefix)
            fixed = self.input_embeddings().forward(torch.tensor([lead], device=embeds.device))[0].to(embeds.dtype)
            embeds = torch.cat([embeds[:, :at], fixed.expand(len(embeds), -1, -1), embeds[:, at:]], dim=1)
            attention_mask = torch.cat([attention_mask[:, :at], attention_mask.new_ones((len(embeds), len(lead))),
                                        attention_mask[:, at:]], dim=1)
        totals = torch.stack([self.logprobs_embeds(embeds, attention_mask, ids, bridge + piece)[:, len(bridge):].sum(1)
                              for piece in pieces], dim=1)
        return torch.softmax(totals, dim=1)
