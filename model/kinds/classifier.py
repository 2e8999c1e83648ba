"""Text classifiers: probabilities over a fixed label set, shape (n, n_labels)."""
from __future__ import annotations

import numpy as np
import torch

from ..base import TextModel, as_float64, as_id_lists
from ..errors import InputError
from ..windows import Reading
from .embedding import SentenceEncoder, reject_extras


class IntentNetwork(torch.nn.Module):
    """A sentence encoder followed by a linear head: one differentiable module, logits out.

    The bundled intent model's scikit-learn LogisticRegression becomes this ``Linear`` (its
    ``coef_`` and ``intercept_``), so softmax(logits) equals its ``predict_proba``.
    """

    def __init__(self, encoder: SentenceEncoder, head: torch.nn.Linear):
        super().__init__()
        self.encoder = encoder
        self.head = head

    @property
    def readout(self) -> str:
        return self.encoder.readout

    def forward(self, input_ids, attention_mask, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        return self.head(self.encoder(input_ids, attention_mask, token_type_ids, inputs_embeds=inputs_embeds))


class SequenceLogits(torch.nn.Module):
    """A Hugging Face ``...ForSequenceClassification`` returning bare logits."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    @property
    def decoder(self) -> bool:
        """A decoder-only backbone (GPT-2, Llama, Qwen...): its head reads the last non-pad token."""
        return type(self.model).__name__.startswith(DECODER_CLASSIFIERS)

    @property
    def readout(self) -> str:
        """[CLS]-style heads read the first token; BART-style heads the last EOS (the last non-pad), and
        decoder-only heads the last non-pad token."""
        return "last" if getattr(self.model.config, "is_encoder_decoder", False) or self.decoder else "first"

    def forward(self, input_ids, attention_mask, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        if inputs_embeds is None:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).logits
        if getattr(self.model.config, "is_encoder_decoder", False):
            return self._encoder_decoder_logits(input_ids, attention_mask, inputs_embeds)
        if self.decoder:
            return self._last_token_logits(attention_mask, inputs_embeds)
        return self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask, **kwargs).logits

    def _last_token_logits(self, attention_mask, inputs_embeds) -> torch.Tensor:
        """A decoder classifier's head on given input embeddings: transformers finds the last non-pad token
        from the ids (and, given embeddings alone, takes the last position whatever the padding); here the
        rows are right-padded, so it is the last position under the attention mask, as from the ids."""
        hidden = self.model.base_model(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
        logits = self.model.score(hidden)
        last = attention_mask.sum(1) - 1
        return logits[torch.arange(logits.shape[0], device=logits.device), last]

    def _encoder_decoder_logits(self, input_ids, attention_mask, inputs_embeds) -> torch.Tensor:
        """BART's classification head on given encoder input embeddings.

        ``BartForSequenceClassification`` refuses ``inputs_embeds`` (it needs the ids to find the
        EOS token), so its head is applied here the same way: the decoder reads the ids shifted
        right (embedded through ``forward`` so hooks on the embedding layer see only the encoder
        input), and the last EOS position's decoder state goes through the classification head.
        """
        config = self.model.config
        embedding = self.model.get_input_embeddings()
        shifted = input_ids.new_full(input_ids.shape, config.pad_token_id)
        shifted[:, 1:] = input_ids[:, :-1]
        shifted[:, 0] = config.decoder_start_token_id
        hidden = self.model.base_model(attention_mask=attention_mask, inputs_embeds=inputs_embeds,
                                       decoder_inputs_embeds=embedding.forward(shifted)).last_hidden_state
        eos = input_ids.eq(config.eos_token_id)
        if eos.sum(1).unique().numel() != 1:
            raise InputError("All inputs must have the same number of end-of-sequence tokens.")
        chosen = hidden[eos, :].view(hidden.size(0), -1, hidden.size(-1))[:, -1, :]
        return self.model.classification_head(chosen)


OUTPUTS = ("probability", "logit")
# transformers' decoder-only sequence classifiers (their head reads the last non-pad token)
DECODER_CLASSIFIERS = ("GPT2", "Llama", "Qwen2", "Qwen3", "Gemma", "Mistral", "Phi3")


def check_output(output: object) -> str:
    if output not in OUTPUTS:
        raise InputError(f"output must be 'probability' or 'logit', not {output!r}.")
    return output


class ClassifierModel(TextModel):
    """Softmax over labels (sigmoid per label for multi-label heads)."""

    kind = task = "classification"

    def __init__(self, *args, labels: list[str], multi_label: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = list(labels)
        self.multi_label = multi_label

    def _answer(self, logits: torch.Tensor, output: str) -> torch.Tensor:
        """Logits -> probabilities (or the logits themselves), the one formula of both paths."""
        if output == "logit":
            return logits
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)

    def predict_ids(self, id_batch, labels=None, output: str = "probability", **options) -> np.ndarray:
        """Probabilities (n, n_labels), or with ``output="logit"`` the logits (a long text: the
        mean of its windows' logits, see ``model.windows``)."""
        reading = Reading.pop(options)
        reject_extras(self.task, labels, options)
        check_output(output)
        logits = self._read(as_id_lists(id_batch), reading)
        return self._answer(as_float64(logits), output).numpy().astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, output: str = "probability",
                       **options) -> torch.Tensor:
        reading = Reading.pop(options)
        reject_extras(self.task, labels, options)
        check_output(output)
        return self._answer(self._read_embeds(embeds, attention_mask, ids, reading), output)

    def label_index(self, label: str) -> int:
        """Column of a label name, or one InputError sentence."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise InputError(f"{label!r} is not one of this model's {len(self.labels)} labels.") from None
