"""Causal language models (GPT-2, Llama, Qwen, Gemma, Mistral, Phi-3): a prompt's continuation, and the
log-probability of each continuation token under teacher forcing, batched.

What is explained for a decoder is ``continuation_logprobs(prompts, continuation)``: for every (possibly
perturbed) prompt, one forward of prompt + continuation gives every continuation token's log-probability at
once (the logits at the position before it, ``log_softmax``), so explaining 20 tokens costs one forward per
perturbation, as explaining one does. Prompts of different lengths are left-padded with explicit position
ids (the same numbers as each prompt alone), so the continuation sits at the same positions in every row
and transformers' own head computes only the logits needed (``logits_to_keep``).

A removed prompt token (occlusion, SHAP's and LIME's masks, IG's baseline) becomes the tokenizer's pad token,
else its end-of-sequence token (``filler``). ``predict_ids`` is the next-token distribution after each
sequence: what a decoder "predicts" for a text.
"""
from __future__ import annotations

import numpy as np
import torch

from ..base import TextModel, as_id_lists
from ..device import run_in_batches
from ..errors import InputError, ModelUnavailable
from ..tokens import Tokenized
from ..validation import check_text, check_whole

MAX_NEW_TOKENS = 256


class CausalLM(TextModel):
    """A decoder-only language model (``AutoModelForCausalLM``) under the one model API."""

    kind = task = "generation"

    def __init__(self, info, network, tokenizer, max_length, transformer):
        super().__init__(info, network, tokenizer, max_length, transformer)
        self.runtime = "torch"  # (the ONNX export reads a classifier's single output)
        pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
        if pad is None and eos is None:
            raise ModelUnavailable(f"{info.name!r}: its tokenizer has neither a pad nor an end-of-sequence token, "
                                   "so a removed prompt token has nothing to become.")
        self.filler = "pad" if pad is not None else "eos"
        self.adapter.pad_id = int(pad if pad is not None else eos)
        self.adapter.mask_id = None  # (a decoder has no mask token: removing is the filler)
        self.eos_id = eos
        # What an empty prompt (every token deleted, as the scorecard's sufficiency does) reads as: the start of
        # a document, as the model saw one in training (GPT-2's <|endoftext|>, Llama's <s>).
        self.start_id = int(tokenizer.bos_token_id if tokenizer.bos_token_id is not None else self.adapter.pad_id)

    @property
    def readout(self) -> str:
        """The next token is read at the last position."""
        return "last"

    @property
    def removal(self) -> str:
        """What a removed prompt token becomes, in words (the explanation's notes say it)."""
        token = self.tokenizer.convert_ids_to_tokens(self.adapter.pad_id)
        which = "pad token" if self.filler == "pad" else "end-of-sequence token (the tokenizer has no pad token)"
        return f"A removed prompt token becomes the {which} {token!r}."

    # ------------------------------------------------------------------ generation
    def continuation_ids(self, continuation: str) -> list[int]:
        """A continuation's tokens, read on their own (no special tokens), as they follow the prompt."""
        if not isinstance(continuation, str) or not continuation:
            raise InputError("The continuation must be a non-empty string (the text after the prompt).")
        ids = self.adapter.encode_content(continuation)
        if not ids:
            raise InputError("The continuation has no tokens this model can read.")
        return ids

    def generate_ids(self, prompt_ids, max_new_tokens: int = 20, *, sample: bool = False, seed: int = 0,
                     temperature: float = 1.0, top_p: float = 1.0) -> list[int]:
        """The continuation's token ids after ``prompt_ids`` (as ``tokenize`` returns them): transformers'
        ``generate``, greedy by default (``do_sample=False``), or sampled with ``seed``. Stops at the
        end-of-sequence token (not included)."""
        prompt = as_id_lists([prompt_ids])[0]
        max_new_tokens = check_whole("max_new_tokens", max_new_tokens, 1, MAX_NEW_TOKENS)
        if len(prompt) + max_new_tokens > self.max_length:
            raise InputError(f"The prompt has {len(prompt)} tokens; with {max_new_tokens} new tokens that is more "
                             f"than this model reads ({self.max_length}). Shorten the prompt or ask for fewer tokens.")
        self._check_vocabulary([prompt])
        ids = torch.tensor([prompt], device=self.device)
        options = {"do_sample": bool(sample)}
        if sample:
            torch.manual_seed(int(seed))
            options.update(temperature=float(temperature), top_p=float(top_p))
        else:  # (no sampling settings from the folder's generation_config: greedy is greedy)
            options.update(temperature=None, top_p=None, top_k=None)
        with self._attention_switch.shared(), torch.inference_mode(), self.precision():
            out = self.network.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                        pad_token_id=self.adapter.pad_id, eos_token_id=self.eos_id, **options)
        new = out[0, len(prompt):].tolist()
        if self.eos_id is not None and self.eos_id in new:
            new = new[: new.index(self.eos_id)]
        return [int(i) for i in new]

    def generate(self, prompt: str, max_new_tokens: int = 20, *, chat: bool = False, **options) -> str:
        """The continuation of ``prompt`` as text (greedy unless ``sample=True``; see ``generate_ids``); ``chat``:
        the prompt as a user's message in the tokenizer's chat template."""
        check_text(prompt)
        return self.decode(self.generate_ids(self.prompt_tokens(prompt, chat).ids, max_new_tokens, **options))

    def decode(self, ids) -> str:
        """Token ids as text, exactly (no clean-up of spaces), so that the text reads back as those tokens."""
        return self.tokenizer.decode(list(ids), skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def token_text(self, token_id: int) -> str:
        return self.tokenizer.decode([int(token_id)], clean_up_tokenization_spaces=False)

    def prompt_tokens(self, prompt: str, chat: bool = False) -> Tokenized:
        """The prompt's tokens; with ``chat`` inside the tokenizer's chat template as the user's message, the
        assistant's turn opened: the template's tokens are special (kept, never perturbed), the prompt's own
        tokens keep their offsets in the prompt."""
        if not chat:
            return self.tokenize(prompt)
        check_text(prompt)
        if not getattr(self.tokenizer, "chat_template", None):
            raise InputError("This model's tokenizer has no chat template: explain the prompt without chat.")
        rendered = self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                      add_generation_prompt=True)
        start = rendered.find(prompt)
        if start < 0:
            raise InputError("This model's chat template changes the prompt's text, so its words cannot be found in "
                             "it: explain the prompt without chat.")
        own = self.adapter.tokenize(prompt, whole=True)
        content = [i for i, special in enumerate(own.special) if not special]
        before, after = (self._template_ids(part) for part in (rendered[:start], rendered[start + len(prompt):]))
        ids = (*before, *(own.ids[i] for i in content), *after)
        if len(ids) > self.max_length:
            raise InputError(f"The prompt in its chat template has {len(ids)} tokens; this model reads at most "
                             f"{self.max_length}.")
        return Tokenized(text=prompt, ids=tuple(ids), tokens=tuple(self.tokenizer.convert_ids_to_tokens(list(ids))),
                         offsets=((0, 0),) * len(before) + tuple(own.offsets[i] for i in content)
                         + ((0, 0),) * len(after),
                         special=(True,) * len(before) + (False,) * len(content) + (True,) * len(after),
                         truncated=False)

    def _template_ids(self, text: str) -> list[int]:
        """A chat template's own text as tokens, its special tokens read as such (the user's text never is)."""
        if not text:
            return []
        return list(self.tokenizer(text, add_special_tokens=False, split_special_tokens=False)["input_ids"])

    # ------------------------------------------------------------------ teacher forcing
    def continuation_logprobs(self, prompts, continuation, contrast: int | None = None,
                              quantity: str = "log_probability") -> np.ndarray:
        """(n, k) log-probabilities of the ``k`` continuation tokens after each of ``prompts`` (token id
        sequences), all from one forward per prompt; with ``contrast`` (a token id), log p(continuation token)
        minus log p(that token) at each position. ``quantity``: "probability" gives p instead, "entropy" the
        entropy (nats) of the distribution each token was read from (``model.outputs``)."""
        prompts = as_id_lists([p if len(p) else [self.start_id] for p in prompts])
        continuation = self._checked_continuation(continuation, contrast)
        self._check_fits(prompts, continuation)

        def run_batch(rows) -> np.ndarray:
            chosen = [prompts[i] for i in rows]
            ids, mask, positions = self._left_padded([p + continuation for p in chosen])
            with self._attention_switch.shared(), torch.inference_mode(), self.precision():
                logits = self.network(input_ids=ids, attention_mask=mask, position_ids=positions,
                                      logits_to_keep=len(continuation) + 1).logits
            return self._read_logprobs(logits, continuation, contrast, quantity).double().cpu().numpy()

        width = max(len(p) for p in prompts) + len(continuation)
        return np.concatenate(run_in_batches(run_batch, len(prompts), self._rows(width)), axis=0)

    def logprobs_embeds(self, embeds: torch.Tensor, attention_mask: torch.Tensor, ids: torch.Tensor,
                        continuation, contrast: int | None = None, quantity: str = "log_probability") -> torch.Tensor:
        """``continuation_logprobs`` as a differentiable function of the prompts' input embeddings
        (``embeds`` right-padded under ``attention_mask``, as ``id_tensors`` gives them): what IG integrates."""
        continuation = self._checked_continuation(continuation, contrast)
        lengths = attention_mask.sum(1).tolist()
        self._check_fits([[0] * int(n) for n in lengths], continuation)
        # (``forward``, not the module call: hooks on the embedding layer, such as captum's, see only the prompt)
        tail = self.input_embeddings().forward(torch.tensor([continuation], device=embeds.device))[0].to(embeds.dtype)
        width = max(lengths) + len(continuation)
        rows, masks = [], []
        for row, n in enumerate(lengths):
            n = int(n)
            pad = embeds.new_zeros((width - n - len(continuation), embeds.shape[-1]))
            rows.append(torch.cat([pad, embeds[row, :n], tail]))
            masks.append([0] * (width - n - len(continuation)) + [1] * (n + len(continuation)))
        mask = torch.tensor(masks, device=embeds.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        with self._attention_switch.shared(), self.precision():
            logits = self.network(inputs_embeds=torch.stack(rows), attention_mask=mask, position_ids=positions,
                                  logits_to_keep=len(continuation) + 1).logits
        return self._read_logprobs(logits, continuation, contrast, quantity)

    def _read_logprobs(self, logits: torch.Tensor, continuation: list[int], contrast: int | None,
                       quantity: str = "log_probability") -> torch.Tensor:
        """From the last k + 1 positions' logits: log p of each continuation token at the position before it
        (or its probability, or that position's entropy: ``quantity``)."""
        k = len(continuation)
        logits = logits[:, :k].float()
        if quantity == "entropy":
            logs = torch.log_softmax(logits, dim=-1)
            return -(logs.exp() * logs).sum(-1)
        norm = torch.logsumexp(logits, dim=-1)  # (log_softmax read at two entries: no (rows, k, vocabulary) copy)
        index = torch.tensor(continuation, device=logits.device)[None, :, None].expand(logits.shape[0], k, 1)
        chosen = logits.gather(-1, index)[..., 0] - norm
        if quantity == "probability":
            return chosen.exp()
        return chosen if contrast is None else chosen - (logits[..., int(contrast)] - norm)

    def _checked_continuation(self, continuation, contrast) -> list[int]:
        continuation = [int(i) for i in continuation]
        if not continuation:
            raise InputError("There is no continuation token to explain.")
        self._check_vocabulary([continuation + ([int(contrast)] if contrast is not None else [])])
        return continuation

    def _check_fits(self, prompts: list[list[int]], continuation: list[int]) -> None:
        longest = max(len(p) for p in prompts) + len(continuation)
        if longest > self.max_length:
            raise InputError(f"The prompt and its continuation have {longest} tokens; this model reads at most "
                             f"{self.max_length}. Shorten the prompt or the continuation.")
        if min(len(p) for p in prompts) < 1:
            raise InputError("A prompt has no tokens.")  # (only through logprobs_embeds: its rows come padded)

    def _left_padded(self, seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Left-padded ids, their mask, and position ids counting from each sequence's first real token."""
        self._check_vocabulary(seqs)
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.adapter.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, width - len(seq):] = torch.tensor(seq, dtype=torch.long)
            mask[row, width - len(seq):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        return ids.to(self.device), mask.to(self.device), positions.to(self.device)

    # ------------------------------------------------------------------ the one model API
    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """The next-token probabilities (n, vocabulary) after each sequence."""
        if labels is not None or options:
            raise InputError("A generation model's predict takes token ids only (explain a continuation with "
                             "explain(..., continuation=...)).")
        seqs = as_id_lists(id_batch)
        self._check_lengths(seqs)

        def run_batch(rows) -> np.ndarray:
            ids, mask, positions = self._left_padded([seqs[i] for i in rows])
            with self._attention_switch.shared(), torch.inference_mode(), self.precision():
                logits = self.network(input_ids=ids, attention_mask=mask, position_ids=positions,
                                      logits_to_keep=1).logits[:, -1]
            return torch.softmax(logits.float(), dim=-1).cpu().numpy()

        return np.concatenate(run_in_batches(run_batch, len(seqs), self._rows(max(map(len, seqs)))), axis=0)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        if labels is not None or options:
            raise InputError("A generation model's predict takes token ids only.")
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        last = attention_mask.sum(1) - 1
        with self._attention_switch.shared(), self.precision():
            logits = self.network(inputs_embeds=embeds, attention_mask=attention_mask, position_ids=positions).logits
        return torch.softmax(logits[torch.arange(len(last)), last].float(), dim=-1)
