"""The words and vocabularies the tiny models share: a few dozen English words, a WordPiece vocabulary
over them, and GPT-2's byte-level alphabet."""
from __future__ import annotations

WORDS = ("the a an this that is was are be to of and in on for with it not very good bad great awful "
         "movie film food service price money bank transfer cat dog sport music politics weather "
         "example text about i you we love hate like really quite happy sad").split()
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", *WORDS,
         *[f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"], *list("abcdefghijklmnopqrstuvwxyz")]


def byte_level_vocab() -> dict[str, int]:
    """GPT-2's byte-to-unicode alphabet as a vocabulary (no merges: every character is a token)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = [], 0
    for byte in range(256):
        if byte in printable:
            chars.append(chr(byte))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    return {token: index for index, token in enumerate(specials + chars + ["<mask>"])}
