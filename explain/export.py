"""Downloads: an Explanation as a JSON document or a CSV table (one row per token)."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile

from .explanation import Explanation

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas; prefix text cells with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(e: Explanation) -> str:
    """token index, token, start, end, word index, word, then one column per target."""
    word_of = {t: w for w, word in enumerate(e.words) for t in word.tokens}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["token_index", "token", "start", "end", "special", "word_index", "word",
                     *[f"attribution:{_cell(t)}" for t in e.targets]])
    for i, token in enumerate(e.tokens):
        w = word_of.get(i)
        writer.writerow([i, _cell(token.text), token.start, token.end, token.special,
                         "" if w is None else w, "" if w is None else _cell(e.words[w].text),
                         *[f"{v:.8g}" for v in e.attributions[i]]])
    return out.getvalue()


def write_files(e: Explanation, folder: str | None = None) -> tuple[str, str]:
    """Write ``explanation.json`` and ``explanation.csv`` into a fresh temporary folder.

    File names never come from user input.
    """
    folder = tempfile.mkdtemp(prefix="explanation-", dir=folder)
    json_path = os.path.join(folder, f"{e.method}-explanation.json")
    csv_path = os.path.join(folder, f"{e.method}-explanation.csv")
    with open(json_path, "w", encoding="utf-8") as handle:
        json.dump(e.to_dict(), handle, ensure_ascii=False)
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(to_csv(e))
    return json_path, csv_path
