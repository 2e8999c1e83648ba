"""Generation: why a causal language model wrote its continuation of a prompt.

The explained outputs are the continuation's token log-probabilities under teacher forcing, one column
per continuation token (``"3:␣Paris"``: its position from 1 and its text, spaces shown as ␣), all from the
same forward of each (perturbed) prompt; the features are the prompt's tokens. With no ``continuation``
the model's greedy one (``max_new_tokens`` at most) is explained: ``for_text`` writes it into the options,
so the explanation, its scorecard and its re-runs all read the same tokens. ``contrast=" word"`` (one
token) explains log p(token) − log p(that token) at the same position: why this token rather than that.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..outputs import checked, output_option
from ..params import Param
from .base import TargetSpec, Task, Words, wanted_names

MAX_CONTINUATION_CHARS = 4_000


def token_names(model, ids: list[int]) -> tuple[str, ...]:
    """One distinct name per continuation token: its position (from 1) and its text."""
    shown = [model.token_text(i).replace(" ", "␣").replace("\n", "⏎") or "∅" for i in ids]
    return tuple(f"{j + 1}:{text}" for j, text in enumerate(shown))


class Generation(Task):
    NAME = "generation"
    OUTPUT = "log-probability"
    DESCRIPTION = ("A causal language model's continuation of a prompt: explains each continuation token's "
                   "log-probability under teacher forcing (the model's greedy continuation unless continuation= "
                   "gives one).")
    WORDS = Words(target="continuation token", lens="the next-token log-probabilities",
                  window_rule="the prompt and its continuation must fit in the model's context", title="Generate")
    OPTIONS = (
        Param("continuation", "text", None, high=MAX_CONTINUATION_CHARS, label="Continuation",
              help="the text after the prompt to explain; empty: the model's greedy continuation"),
        Param("max_new_tokens", "int", 20, 1, 256, label="Max new tokens",
              help="how many tokens the model writes when no continuation is given"),
        Param("chat", "bool", False, label="Use the chat template",
              help="read the prompt as a user's message in the tokenizer's chat template, the assistant's turn "
                   "opened (the template's own tokens are kept, never perturbed)"),
        output_option("generation", "log_probability"),
        Param("continuation_ids", "text", None, high=MAX_CONTINUATION_CHARS, label="Continuation token ids",
              validate=lambda text: ",".join(str(i) for i in parse_ids(text)),
              help="the continuation as comma-separated token ids, exactly (set for a generated continuation, "
                   "whose tokens its text may not read back as); overrides continuation"),
    )

    def tokenize(self, model, text: str, options):
        """The prompt's tokens, in the chat template when ``chat`` is on."""
        return model.prompt_tokens(text, chat=bool(options.get("chat")))

    def for_text(self, model, text: str, options: dict) -> dict:
        """The options with the model's greedy continuation of ``text`` filled in when none is given."""
        if options.get("continuation") or options.get("continuation_ids"):
            return options
        ids = model.generate_ids(self.tokenize(model, text, options).ids, options["max_new_tokens"])
        if not ids:
            raise InputError("The model ends the text at once (its first token is end-of-sequence): there is no "
                             "continuation to explain; give one with continuation=.")
        return {**options, "continuation": model.decode(ids), "continuation_ids": ",".join(map(str, ids))}

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is not None or pair is not None:
            raise InputError("A generation model explains a prompt's continuation: it takes no labels or second text.")
        options = self.options(options)
        continuation = continuation_of(model, options)
        names = token_names(model, continuation)
        wanted = None if target is None else tuple(_column(names, t) for t in wanted_names(target))
        rival = None if contrast is None else contrast_token(model, contrast)
        output = checked(self.NAME, options["output"])
        quantity = output.NAME
        if rival is not None and quantity != "log_probability":
            raise InputError(f"A contrast explains log p(token) − log p(contrast token); it cannot be explained as "
                             f"output={quantity!r} too (leave output at log_probability).")

        def forward(batch):
            return model.continuation_logprobs(batch, continuation, rival, quantity)

        def score(embeds, mask, ids):
            return model.logprobs_embeds(embeds, mask, ids, continuation, rival, quantity)

        def probabilities(batch):
            return np.exp(model.continuation_logprobs(batch, continuation))

        def column_score(j: int):  # token j reads the prompt and the tokens before it only (the causal mask)
            return lambda embeds, mask, ids: model.logprobs_embeds(embeds, mask, ids, continuation[: j + 1], rival,
                                                                   quantity)[:, j]

        return TargetSpec(task=self.NAME, labels=names, forward=forward, score=score, wanted=wanted, default="all",
                          options=options, model_options={}, predict=probabilities,
                          output_name=output.label if rival is None else "log-probability difference",
                          contrast=contrast, column_score=column_score)

    def answer(self, labels, output, options) -> str:
        """A generation's answer is its continuation."""
        return str(options.get("continuation") or "")

    def is_correct(self, prediction, gold):
        """A continuation has no gold label to be right against (dataset mode reports no accuracy)."""
        return None


def parse_ids(text: str) -> list[int]:
    """Comma-separated token ids, or one sentence."""
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError("continuation_ids must be token ids separated by commas (e.g. '464,3139').") from None
    if not ids or min(ids) < 0:
        raise InputError("continuation_ids must be token ids separated by commas (e.g. '464,3139').")
    return ids


def continuation_of(model, options) -> list[int]:
    """The continuation's token ids: ``continuation_ids`` exactly, else ``continuation`` read as tokens."""
    if options.get("continuation_ids"):
        return parse_ids(options["continuation_ids"])
    if options.get("continuation"):
        return model.continuation_ids(options["continuation"])
    raise InputError("Explaining a generation needs its continuation: give continuation=, or explain the prompt so "
                     "that the model's own continuation is used.")


def _column(names: tuple[str, ...], target: str) -> int:
    if target in names:
        return names.index(target)
    raise InputError(f"{target!r} is not a continuation token; the tokens are {', '.join(map(repr, names[:8]))}"
                     f"{', …' if len(names) > 8 else ''}.")


def contrast_token(model, contrast) -> int:
    """The one token id a contrast names (e.g. " London"), or one sentence."""
    if not isinstance(contrast, str) or not contrast:
        raise InputError("The contrast must be a token's text (e.g. ' London'): the token to explain the "
                         "continuation's against.")
    ids = model.adapter.encode_content(contrast)
    if len(ids) != 1:
        pieces = " + ".join(repr(model.token_text(i)) for i in ids) or "no tokens"
        raise InputError(f"The contrast {contrast!r} is {pieces} for this model; it must be one token (a leading "
                         "space is part of a word's token).")
    return ids[0]
