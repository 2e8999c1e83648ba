"""Tiny multilingual checkpoints built by the tests: a WordPiece tokenizer whose vocabulary holds every
Han character, the kana, Thai, Lao, Khmer, Myanmar, Arabic and Hebrew letters (each also as a "##"
continuation piece), so it reads these scripts one character a token, as multilingual BERT does for
Chinese. On it: a sentiment classifier, an NLI model (zero-shot) and a sentence encoder."""
from __future__ import annotations

from pathlib import Path

from model.tiny.architectures import build, sentence_transformers_folder
from model.tiny.vocab import WORDS

RANGES = ((0x3040, 0x30FF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1780, 0x17FF), (0x1000, 0x109F),
          (0x0600, 0x06FF), (0x0590, 0x05FF), (0x3000, 0x303F), (0xFF01, 0xFF5E))
HAN = (0x4E00, 0x9FFF)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def vocabulary() -> list[str]:
    latin = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'")
    others = [chr(c) for a, b in RANGES for c in range(a, b + 1)]
    han = [chr(c) for c in range(HAN[0], HAN[1] + 1)]
    tokens = [*SPECIALS, *WORDS, *latin, *[f"##{c}" for c in latin], *others, *[f"##{c}" for c in others], *han]
    return list(dict.fromkeys(tokens))


def tokenizer():
    """BERT's tokenizer over ``vocabulary()`` (accents kept: Thai vowel signs are combining marks)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    vocab = {token: index for index, token in enumerate(vocabulary())}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    backend.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                                    lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return BertTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                             cls_token="[CLS]", mask_token="[MASK]", do_lower_case=True, strip_accents=False,
                             tokenize_chinese_chars=True, model_max_length=64)


def build_classifier(folder: Path) -> Path:
    return build(folder, "bert", head="classifier", seed=3, tokenizer=tokenizer())


def build_nli(folder: Path) -> Path:
    return build(folder, "bert", head="nli", seed=4, tokenizer=tokenizer())


def build_encoder(folder: Path) -> Path:
    return sentence_transformers_folder(Path(folder), kind="bert", tokenizer=tokenizer())


REPOS = {"tiny/multilingual-nli": build_nli, "tiny/multilingual-embed": build_encoder,
         "tiny/chinese-sentiment": build_classifier}


def build_hub_cache(root: Path) -> Path:
    """The three as a Hub cache (``models--tiny--X/snapshots/<commit>``), for ``load_model(..., cache_dir=)``."""
    from tests.tiny_models import COMMIT

    cache = Path(root) / "hub"
    for repo_id, builder in REPOS.items():
        repo_dir = cache / ("models--" + repo_id.replace("/", "--"))
        builder(repo_dir / "snapshots" / COMMIT)
        (repo_dir / "refs").mkdir()
        (repo_dir / "refs" / "main").write_text(COMMIT)
    return cache
