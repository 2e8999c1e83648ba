"""Downloads: an Explanation as JSON, a word-level CSV and a token-level CSV (and, for a text of
more than one sentence, a sentence-level CSV).

The CSVs are long tables (one row per word or token and target), each row carrying what it
explains (text, model, method, parameters, task options, seed, prediction, target, output, base
value), so a file read on its own says what it is. A text longer than ``TEXT_IN_ROWS`` characters is
not repeated on every row: the rows carry its start and the file that holds it whole (``-text.txt``,
written beside them), so a long document's CSV grows with its words, not with words x characters.
Repeated words are told apart by their occurrence in the text (``occurrence``: 1, 2, ...) as in
the charts. File names say where they came from (tab, method, a short slug of the text, the time)
and are built only from [a-z0-9-] characters: no user string becomes a path.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import tempfile
import time
from contextvars import ContextVar

from model.errors import InputError

from ..explanation import Explanation
from ..text.units import thaw

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_IN_ROWS = 200  # characters of the text every CSV row repeats; a longer text goes to a side file


def cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas; prefix text cells with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def slug(text: str, limit: int = 24) -> str:
    """Lower-case ASCII words of the text joined by '-', at most ``limit`` characters ("text" if none)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = "-".join(words)[:limit].strip("-")
    return out or "text"


def _row_text(text: str, text_file: str | None) -> str:
    """The text as each CSV row carries it: whole when short, else its start and where it is whole."""
    if len(text) <= TEXT_IN_ROWS:
        return text
    return f"{text[:TEXT_IN_ROWS]}… ({len(text):,} characters; the whole text is in {text_file or 'the JSON file'})"


def _context(e: Explanation, side: str | None, text_file: str | None = None) -> list[tuple[str, object]]:
    top = int(e.probabilities.argmax()) if len(e.probabilities) else None
    context = [("side", side)] if side else []
    return context + [
        ("text", _row_text(e.text, text_file)), ("model", e.model), ("method", e.method),
        ("parameters", json.dumps(thaw(e.meta.get("params", {})), ensure_ascii=False, sort_keys=True)),
        ("options", json.dumps(thaw(e.meta.get("options", {})), ensure_ascii=False, sort_keys=True)),
        ("seed", e.meta.get("seed")), ("explained", e.meta.get("output") or ""),
        ("prediction", e.labels[top] if top is not None else ""),
        ("prediction_score", f"{e.probabilities[top]:.8g}" if top is not None else ""),
    ]


def occurrences(names: list[str]) -> list[int]:
    """1 for a word's first occurrence in the text, 2 for its second, ... (as the charts number them)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(seen[name])
    return out


def _table(explanations: list[tuple[str | None, Explanation]], level: str, text_file: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header_written = False
    for side, e in explanations:
        context = _context(e, side, text_file)
        if level == "sentence":
            unit_columns = ["sentence_index", "sentence", "paragraph", "start", "end"]
            units = [((i, s.text, s.paragraph, s.start, s.end), e.sentence_attributions[i])
                     for i, s in enumerate(e.sentences)]
        elif level == "word":
            unit_columns = ["word_index", "word", "occurrence", "start", "end"]
            counts = occurrences([w.text for w in e.words])
            units = [((i, w.text, counts[i], w.start, w.end), e.word_attributions[i]) for i, w in enumerate(e.words)]
        else:
            word_of = {t: w for w, word in enumerate(e.words) for t in word.tokens}
            unit_columns = ["token_index", "token", "start", "end", "special", "word_index"]
            units = [((i, t.text, t.start, t.end, t.special, word_of.get(i, "")), e.attributions[i])
                     for i, t in enumerate(e.tokens)]
        if not header_written:
            writer.writerow([name for name, _ in context] + ["target", "output", "base_value"] + unit_columns
                            + ["attribution"])
            header_written = True
        fixed = [cell(value) for _, value in context]
        targets = list(enumerate(e.targets)) or [(None, "")]
        for j, target in targets:
            about = [cell(target), f"{e.outputs[j]:.8g}" if j is not None else "",
                     f"{e.base_values[j]:.8g}" if j is not None else ""]
            for unit, values in units:
                value = f"{values[j]:.8g}" if j is not None else ""
                writer.writerow(fixed + about + [cell(u) for u in unit] + [value])
    return out.getvalue()


ROOT: str | None = None  # where downloads' folders go (None: the system's temporary folder); a server sets its own
# where the downloads made in this context go instead (a server: the folder of the visitor being answered, which
# it removes when the visitor leaves); made when first needed
HERE: ContextVar[str | None] = ContextVar("downloads_here", default=None)


def new_folder(prefix: str, folder: str | None = None) -> str:
    """A fresh folder for one download's files: in ``folder``, else in ``HERE``, else in ``ROOT`` (a server's
    folder, which it sweeps: ``ui.cleanup``)."""
    here = None if folder else HERE.get()
    if here:
        os.makedirs(here, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=folder or here or ROOT)


def write_files(explanations: Explanation | dict[str, Explanation], tab: str, folder: str | None = None,
                when: float | None = None) -> list[str]:
    """Write ``<tab>-<method>-<slug>-<time>.json``, ``...-words.csv`` and ``...-tokens.csv`` (and, for a
    text longer than ``TEXT_IN_ROWS``, ``...-text.txt`` with the whole text, side by side for two; for a
    text of several sentences, ``...-sentences.csv``) into a fresh temporary folder. Several
    explanations of one view (the two sides of a similarity) go into the same files, keyed by side."""
    sides = explanations if isinstance(explanations, dict) else {None: explanations}
    first = next(iter(sides.values()))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    where = slug(tab, 20) if slug(tab, 20) == slug(first.method, 20) else f"{slug(tab, 20)}-{slug(first.method, 20)}"
    stem = f"{where}-{slug(first.text)}-{stamp}"
    folder = new_folder("explanation-", folder)
    paths = [os.path.join(folder, f"{stem}.json"), os.path.join(folder, f"{stem}-words.csv"),
             os.path.join(folder, f"{stem}-tokens.csv")]
    document = first.to_dict() if None in sides else {side: e.to_dict() for side, e in sides.items()}
    with open(paths[0], "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
    text_file = None
    if any(len(e.text) > TEXT_IN_ROWS for e in sides.values()):
        text_file = f"{stem}-text.txt"
        with open(os.path.join(folder, text_file), "w", encoding="utf-8") as handle:
            handle.write(first.text if None in sides else "\n\n".join(f"[{side}]\n{e.text}" for side, e in sides.items()))
        paths.append(os.path.join(folder, text_file))
    for path, level in zip(paths[1:3], ("word", "token")):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(_table(list(sides.items()), level, text_file))
    if any(len(e.sentences) > 1 for e in sides.values()):
        paths.append(os.path.join(folder, f"{stem}-sentences.csv"))
        with open(paths[-1], "w", encoding="utf-8", newline="") as handle:
            handle.write(_table(list(sides.items()), "sentence", text_file))
    return paths


def without_weights(e: Explanation) -> Explanation:
    """``e`` without its attention tensor (every layer and head), which ``meta["attention_weights"]`` describes:
    the JSON and CSV downloads of an attention explanation, where the tensor is written only when asked for
    (``write_attention_weights``). As JSON, one 256-token window of a 6-layer, 12-head model was 108 MB and 13 s."""
    if e.attention is None:
        return e
    shape = list(e.attention.shape)
    described = {"shape": shape, "layout": "layer, head, query token, key token (each row sums to 1)",
                 "bytes_float32": int(e.attention.size) * 4}
    return dataclasses.replace(e, attention=None, meta={**thaw(e.meta), "attention_weights": described})


def write_pair_files(e, folder: str | None = None, when: float | None = None) -> list[str]:
    """A word-pair explanation (``explain.pairs.PairExplanation``) as ``pairs-<method>-<slug>-<time>.json``
    (everything) and ``-pairs.csv`` (one row per pair of units), in a fresh temporary folder."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    folder = new_folder("pairs-", folder)
    stem = os.path.join(folder, f"pairs-{slug(e.method, 20)}-{slug(e.text_a)}-{stamp}")
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        handle.write(e.to_json())
    with open(stem + "-pairs.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(e.to_csv())
    return [stem + ".json", stem + "-pairs.csv"]


def write_pair_file_tables(found, folder: str | None = None) -> list[str]:
    """A file of pairs (``explain.dataset.PairFile``) as ``pair-file-word-pairs.csv`` (the word pairs across the
    file) and ``pair-file-rows.csv`` (each row), in a fresh temporary folder."""
    folder = new_folder("pair-file-", folder)
    paths = []
    for name, text in (("word-pairs.csv", found.table_csv()), ("rows.csv", found.rows_csv())):
        paths.append(os.path.join(folder, f"pair-file-{name}"))
        with open(paths[-1], "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return paths


def write_attention_weights(e: Explanation, tab: str = "attention", folder: str | None = None,
                            when: float | None = None) -> str:
    """Every layer and head of ``e``'s attention, as the model computed it (float32), with the tokens, in one NumPy
    file ``<tab>-<slug>-<time>-weights.npz`` in a fresh temporary folder: ``numpy.load(path)`` gives ``attention``
    (layers, heads, query token, key token) and ``tokens``. (4 bytes a weight, written in a fraction of a second.)"""
    import numpy as np

    if e.attention is None:
        raise InputError("This explanation holds no attention weights.")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    folder = new_folder("attention-", folder)
    path = os.path.join(folder, f"{slug(tab, 20)}-{slug(e.text)}-{stamp}-weights.npz")
    np.savez(path, attention=np.asarray(e.attention, dtype=np.float32),
             tokens=np.array([t.text for t in e.tokens], dtype=str))
    return path


def write_scorecard_files(cards, agreement, text: str, folder: str | None = None, when: float | None = None,
                          plausible: tuple[list[dict], dict] | None = None) -> list[str]:
    """The Compare view's scorecard: ``compare-scorecard-<slug>-<time>.json`` (every scorecard and the
    agreement table) and ``.csv`` (one row per method and metric, with the random control, the
    better direction and how the value was computed). ``plausible``: each method's plausibility
    measures against the user's reason and the random ranking's (rows ``plausibility_<measure>``)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    folder = new_folder("scorecard-", folder)
    stem = os.path.join(folder, f"compare-scorecard-{slug(text)}-{stamp}")
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        json.dump({"text": text, "scorecards": [c.to_dict() for c in cards],
                   "agreement": agreement.to_dict() if agreement is not None else None,
                   "plausibility": None if plausible is None else {"methods": plausible[0], "random": plausible[1]}},
                  handle, ensure_ascii=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "method", "target", "metric", "value", "random_ranking", "lower_is_better", "removal",
                     "note"])
    for card in cards:
        for name, value in card.values.items():
            writer.writerow([cell(text), card.method, cell(card.target), name, _number(value.value),
                             _number(value.random), value.lower_is_better, card.removal, value.note])
    for found in (plausible[0] if plausible is not None else []):
        for name, value in found.items():
            if name != "method":
                writer.writerow([cell(text), found["method"], "", f"plausibility_{name}", _number(value),
                                 _number(plausible[1][name]), False, "", "against the reason given"])
    with open(stem + ".csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())
    return [stem + ".json", stem + ".csv"]


def write_counterfactual_files(found, folder: str | None = None, when: float | None = None) -> list[str]:
    """A counterfactual search as ``counterfactuals-<slug>-<time>.json`` (everything) and ``.csv`` (one
    row per counterfactual: the new text, its edits, the new answer, the target's change)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    folder = new_folder("counterfactuals-", folder)
    stem = os.path.join(folder, f"counterfactuals-{slug(found.original['text'])}-{stamp}")
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        json.dump(found.to_dict(), handle, ensure_ascii=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["original", "original_prediction", "text", "edits", "prediction", "target", "target_change",
                     "generator"])
    for c in found:
        writer.writerow([cell(_row_text(found.original["text"], None)), cell(found.original["prediction"]),
                         cell(c.text), cell(c.describe()), cell(c.prediction), cell(c.target),
                         f"{c.target_change:.8g}", c.generator])
    with open(stem + ".csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())
    return [stem + ".json", stem + ".csv"]


def _number(value) -> str:
    return "" if not isinstance(value, (int, float)) else f"{value:.8g}"


def write_inside(model_name: str, text: str, steps, encoding, summed, flow, lens, folder: str | None = None,
                 when: float | None = None) -> str:
    """Inside the Transformer's matrices as ``inside-<model>-<slug>-<time>.json``: the attention
    steps (X, Q, K, V, S, P, A and the model's own P and A differences), the sinusoidal encoding, the
    embedding sum's difference, the layer flow and the layer lens."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    folder = new_folder("inside-", folder)
    path = os.path.join(folder, f"inside-{slug(model_name)}-{slug(text)}-{stamp}.json")
    document = {
        "model": model_name, "text": text, "attention_steps": steps.to_dict(),
        "sinusoidal_encoding": encoding.tolist(), "embedding_sum_max_abs_difference": summed.difference,
        "layer_flow": {"tokens": list(flow.tokens), "residual_norm": flow.residual_norm.tolist(),
                       "attention_norm": flow.attention_norm.tolist(), "ffn_norm": flow.ffn_norm.tolist(),
                       "active_share": flow.active_share.tolist()},
        "layer_lens": {"labels": list(lens.labels), "output": lens.output_name, "values": lens.values.tolist()},
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
    return path
