"""Tiny random decoders (GPT-2, Llama with grouped-query attention, Qwen2), written by
``save_pretrained(safe_serialization=True)`` with a byte-level BPE tokenizer trained here on a small corpus:
no decoder weights ship offline, so the tests, benches and README build their own. Each builds in well under a second.
"""
from __future__ import annotations

import random
from pathlib import Path

import torch

from .vocab import WORDS

DECODERS = ("gpt2", "llama", "qwen2")  # (checked method by method against transformers and captum)
# Every decoder architecture the studio loads: each is checked to load, generate and score like transformers.
EVERY_DECODER = ("gemma", "gemma2", "gemma3_text", "gpt2", "llama", "mistral", "phi3", "qwen2", "qwen3")
CONFIGS = {"llama": "LlamaConfig", "qwen2": "Qwen2Config", "qwen3": "Qwen3Config", "gemma": "GemmaConfig",
           "gemma2": "Gemma2Config", "gemma3_text": "Gemma3TextConfig", "mistral": "MistralConfig", "phi3": "Phi3Config"}
TIED = ("qwen2", "qwen3", "gemma", "gemma2", "gemma3_text")
TOKENIZER_OF = {"gemma": "llama", "gemma2": "llama", "gemma3_text": "llama", "mistral": "llama", "phi3": "llama",
                "qwen3": "qwen2"}
MAX_POSITIONS = 96
CORPUS_WORDS = (*WORDS, "paris", "london", "france", "capital", "city", "is", "of", "a", "and", "to")


def corpus(n: int = 400, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(CORPUS_WORDS) for _ in range(rng.randint(4, 12))) + rng.choice(".!?,")
            for _ in range(n)]


def trained_tokenizer(kind: str = "gpt2", vocab_size: int = 600):
    """A byte-level BPE tokenizer trained on ``corpus()``, with the specials of ``kind``'s released one:
    GPT-2 ``<|endoftext|>`` (bos = eos, no pad), Llama ``<s>`` added before every text and ``</s>`` (no pad),
    Qwen2 ``<|endoftext|>`` as pad and eos, ``<|im_start|>``/``<|im_end|>`` for its chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = {"gpt2": ["<|endoftext|>"], "llama": ["<unk>", "<s>", "</s>"],
                "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]}[kind]
    backend = Tokenizer(models.BPE(unk_token="<unk>" if kind == "llama" else None))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(corpus(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    if kind == "llama":
        backend.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                               special_tokens=[("<s>", backend.token_to_id("<s>"))])
        return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                       model_max_length=MAX_POSITIONS)
    if kind == "qwen2":
        template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
        return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                                       model_max_length=MAX_POSITIONS, chat_template=template)
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   model_max_length=MAX_POSITIONS)


def config(kind: str, tokenizer, *, layers: int = 2, hidden: int = 32, heads: int = 4, kv_heads: int = 2,
           inner: int = 64, **extra):
    import transformers

    ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id}
    vocab = len(tokenizer)
    if kind == "gpt2":
        return transformers.GPT2Config(vocab_size=vocab, n_positions=MAX_POSITIONS, n_embd=hidden, n_layer=layers,
                                       n_head=heads, n_inner=inner, initializer_range=0.2, **ids, **extra)
    cls = getattr(transformers, CONFIGS[kind])
    if kind == "phi3":
        extra = {"original_max_position_embeddings": MAX_POSITIONS, **extra}
    elif kind != "llama":
        extra = {"head_dim": hidden // heads, **extra}
    return cls(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
               num_key_value_heads=kv_heads, intermediate_size=inner, max_position_embeddings=MAX_POSITIONS,
               initializer_range=0.2, tie_word_embeddings=kind in TIED, **ids, **extra)


def build(folder: Path, kind: str = "gpt2", *, head: str = "lm", seed: int = 0, labels=None, **size) -> Path:
    """Write a tiny ``kind`` decoder to ``folder``: a causal LM ("lm") or a last-token sequence classifier
    ("classifier", over ``labels``, default two sentiments)."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = trained_tokenizer(TOKENIZER_OF.get(kind, kind))
    if head == "classifier" and tokenizer.pad_token is None:  # (a classifier finds its last token by the pad id)
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    if head == "classifier":
        labels = labels or {0: "NEGATIVE", 1: "POSITIVE"}
        model = AutoModelForSequenceClassification.from_config(config(
            kind, tokenizer, num_labels=len(labels), id2label=labels, label2id={v: k for k, v in labels.items()},
            **size))
    else:
        model = AutoModelForCausalLM.from_config(config(kind, tokenizer, **size))
    if tokenizer.pad_token_id is not None:  # (from_config zeroes the pad row, which no trained model keeps: an
        with torch.no_grad():                # all-zero input under RMSNorm jumps at 0, and IG's path starts there)
            model.get_input_embeddings().weight[tokenizer.pad_token_id].normal_(0, 0.2)
    model.eval()
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder
