"""Zero-shot classification by prompting a decoder: each candidate label put into the hypothesis template,
after the text, scored by the log-probability the language model gives the label's tokens; softmax across
the labels.

``predict_ids(ids, labels, hypothesis_template=)``: for the text's tokens (as ``tokenize`` gives them,
possibly perturbed), the template's words before the label follow on a new line ("\\nThis text is about"),
then the label's own tokens (" sports."); a label's score is the sum of the log-probabilities of those label
tokens under teacher forcing. The words before the label are the same for every label, so leaving their
log-probability out changes no label's share. Every label of a batch of texts is one forward per text and
label (``CausalLM.continuation_logprobs``), and the same maths, differentiable, is what gradient methods
integrate. A prompted decoder compares the labels with each other: ``multi_label`` (each label on its own)
is for NLI and similarity models, and one label alone is refused.
"""
from __future__ import annotations

import numpy as np
import torch

from ..base import as_id_lists
from ..errors import InputError
from ..validation import check_labels, check_template
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
        before, after = template.split("{}")
        bridge = self.adapter.encode_content("\n" + before.rstrip())
        pieces = [self.adapter.encode_content(" " + label + after) for label in labels]
        if any(not piece for piece in pieces):
            raise InputError("A label has no tokens this model can read.")
        return bridge, pieces

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Each label's share (n, n_labels): softmax across the labels of their tokens' total log-probability."""
        bridge, pieces = self._parts(labels, **options)
        seqs = as_id_lists(id_batch)
        totals = np.stack([self.continuation_logprobs(seqs, bridge + piece)[:, len(bridge):].sum(1)
                           for piece in pieces], axis=1)
        return torch.softmax(torch.from_numpy(totals), dim=1).numpy().astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        bridge, pieces = self._parts(labels, **options)
        totals = torch.stack([self.logprobs_embeds(embeds, attention_mask, ids, bridge + piece)[:, len(bridge):].sum(1)
                              for piece in pieces], dim=1)
        return torch.softmax(totals, dim=1)
