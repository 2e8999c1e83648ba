"""Token classification (named entities, PII, part of speech): why the model found an entity, or labelled a token.

The explained outputs are the text's entities, one column each ("Paris (LOC)"), each read from the same forward of
every (perturbed) input as the pipeline scores it under the chosen aggregation (``model.kinds.token_classification
.EntityRule``: for "simple", the mean over its tokens of each token's own tag's probability); ``entity=`` (its index
in ``m.entities([text])[0]``, its text, or a character span) explains one, ``token=i`` one token's label instead.
``for_text`` finds the text's entities once and writes each one's tokens and tags into the options
(``entity_rules``), so the explanation, its scorecard and its re-runs read the same entities whatever the
perturbation does to the model's answer. ``contrast="ORG"`` explains log score(entity) − log score(the same tokens
tagged ORG: B-ORG where it has B-, I-ORG where I-): why PER rather than ORG.

A perturbation that removes tokens (LIME's default) shortens the input: the kept tokens are found again in order
(``difflib``'s matching blocks: the input is a subsequence of the text's tokens) and a removed member of an entity
counts with probability 0 (the entity lost it); so do an edited text's (counterfactuals). Masking keeps the positions.

The answer (what counterfactuals change, what dataset mode lists) is the entities the model still finds with more
than even odds: an entity holds while its score is above ½ (each of its tags then is the most probable label of its
token for certain); an edit that relabels or removes it brings the score below ½.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import torch

from ..errors import InputError
from ..kinds.token_classification import AGGREGATIONS, TAG_PREFIXES, EntityRule, entity_label, entity_type, rule_scores
from ..params import Param
from ..windows import READING
from .base import TargetSpec, Task, Words, reading, wanted_names

MAX_RULES_CHARS = 2_000_000


class TokenClassification(Task):
    NAME = "token-classification"
    OUTPUT = "entity score"
    DESCRIPTION = ("Named entities (any token classifier): explains each entity's score as transformers' pipeline "
                   "aggregates it (entity= one of them, token= one token's label).")
    WORDS = Words(target="entity", lens="the entity scores",
                  window_rule="a token two windows read gets the mean of their probabilities", title="Entities")
    TAB = "ui.entities"
    OPTIONS = (
        Param("aggregation", "choice", "simple", choices=AGGREGATIONS, label="Aggregation",
              help="how token labels become entities, as transformers' pipeline: none (each token), simple "
                   "(B-/I- runs), first / average / max (whole words, by their first, mean or most probable token)"),
        Param("entity", "text", None, high=1_000, label="Entity",
              help="the entity to explain: its index among the text's entities (from 0), its text, or a "
                   "character span 'start:end'; empty: every entity"),
        Param("token", "int", None, 0, 1_000_000, label="Token",
              help="explain this token's label instead (its position among the model's tokens, special tokens "
                   "counted)"),
        *READING,
        Param("entity_rules", "text", None, high=MAX_RULES_CHARS, label="Entities found (filled in)",
              help="each entity's tokens and tags as the studio found them (JSON, filled in from the text; "
                   "leave it empty)"),
    )

    def options(self, given: Mapping | None = None) -> dict:
        """As every task's, with ``entity`` also taken as an index (int) or a (start, end) span."""
        given = dict(given or {})
        entity = given.pop("entity", None)
        options = super().options(given)
        if entity is not None:
            options["entity"] = entity_key(entity)
        if "entity" in options and "token" in options:
            raise InputError("Give entity= or token=, not both: one explains an entity, the other one token's label.")
        return options

    def for_text(self, model, text: str, options: dict) -> dict:
        """The options with the text's entities (or the chosen token) and their rules filled in."""
        if options.get("entity_rules"):
            return options
        found = found_rules(model, text, options)
        return {**options, "entity_rules": json.dumps(found, separators=(",", ":"))}

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is not None or pair is not None:
            raise InputError("A token classifier explains its entities: it takes no candidate labels or second text.")
        options = self.options(options)
        if not options.get("entity_rules"):
            raise InputError("The text's entities are read first (Task.for_text): explain the text itself.")
        found = read_rules(options["entity_rules"], len(model.labels))
        names = tuple(found["names"])
        rules = [EntityRule(tuple((tuple(p), int(label)) for p, label in members), reduce)
                 for members, reduce in found["rules"]]
        original = list(found["ids"])
        calls = self.model_options(options)
        if target is not None:
            wanted = tuple(column_of(names, t) for t in wanted_names(target))
        elif found.get("chosen") is not None:
            wanted = (int(found["chosen"]),)
        else:
            wanted = None
        rival = None if contrast is None else contrast_rules(model.labels, rules, contrast)
        if rival is not None:  # (an entity already of the contrast's type is not explained against it)
            against = tuple(k for k, (mine, theirs) in enumerate(zip(rules, rival)) if mine != theirs)
            if wanted is not None and any(k not in against for k in wanted):
                raise InputError(f"The entity is already tagged {contrast.strip()!r}: explain it against another type.")
            if not against:
                raise InputError(f"Every entity is already tagged {contrast.strip()!r}: explain them against another type.")
            wanted = wanted or against

        def scores_of(batch, chosen):
            probabilities = aligned(model.token_probabilities(batch, **calls), batch, original)
            return rule_scores(torch.from_numpy(probabilities), chosen).numpy()

        def predict(batch):
            return scores_of(batch, rules)

        def score_of(embeds, mask, ids, chosen):
            return rule_scores(model.token_probabilities_embeds(embeds, mask, ids, **calls), chosen)

        if rival is None:
            forward = predict

            def score(embeds, mask, ids):
                return score_of(embeds, mask, ids, rules)
            output_name = "entity score"
        else:
            def forward(batch):
                both = scores_of(batch, rules + rival)
                return np.log(np.maximum(both[:, : len(rules)], TINY)) - np.log(np.maximum(both[:, len(rules):], TINY))

            def score(embeds, mask, ids):
                both = score_of(embeds, mask, ids, rules + rival)
                return torch.log(both[:, : len(rules)].clamp(min=TINY)) - torch.log(both[:, len(rules):].clamp(min=TINY))
            output_name = "log-score difference"
        return TargetSpec(task=self.NAME, labels=names, output_name=output_name, forward=forward, score=score,
                          wanted=wanted, default="all", options=options, model_options=calls,
                          predict=None if rival is None else predict, contrast=contrast)

    def answer(self, labels, output, options) -> str:
        """The entities that hold (score above ½), in order; with one entity asked for (entity=, token=), that one
        or "no <name>" once it no longer holds."""
        output = np.asarray(output, dtype=np.float64)
        chosen = json.loads(options["entity_rules"]).get("chosen") if options.get("entity_rules") else None
        if chosen is not None and chosen < len(labels):
            return labels[chosen] if output[chosen] > HOLDS else f"no {labels[chosen]}"
        return ", ".join(name for name, score in zip(labels, output) if score > HOLDS) or "no entity"

    def is_correct(self, prediction, gold):
        return None

    def column_groups(self, targets, options) -> dict[str, list[int]] | None:
        """The explained entities by type ("LOC": the columns of the text's LOC entities)."""
        if not options.get("entity_rules"):
            return None
        found = json.loads(options["entity_rules"])
        kinds = {name: entity_label(e) for name, e in zip(found["names"], found["entities"])}
        groups: dict[str, list[int]] = {}
        for column, name in enumerate(targets):
            groups.setdefault(kinds.get(name, name), []).append(column)
        return groups


TINY = 1e-30  # (a probability of 0, a removed entity's, has a log: this one's)
HOLDS = 0.5  # an entity's score above this: the model still finds it (see the module's docstring)


def entity_key(entity) -> int | str | tuple[int, int]:
    """An entity as given: an index (int), a (start, end) character span, or a text (a string "3" is an index,
    "12:18" a span)."""
    if isinstance(entity, (bool, np.bool_)):
        raise InputError("entity must be an index, a text or a character span (start, end).")
    if isinstance(entity, (int, np.integer)):
        if entity < 0:
            raise InputError(f"entity must be an index from 0; got {int(entity)}.")
        return int(entity)
    if isinstance(entity, (tuple, list)) and len(entity) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in entity):
        start, end = int(entity[0]), int(entity[1])
        if not 0 <= start < end:
            raise InputError(f"An entity's character span must have 0 <= start < end; got ({start}, {end}).")
        return (start, end)
    if isinstance(entity, str) and entity.strip() and len(entity) <= 1_000:
        text = entity.strip()
        if text.isdigit():
            return int(text)
        parts = text.split(":")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            return entity_key((int(parts[0]), int(parts[1])))
        return entity
    raise InputError("entity must be an index, a text or a character span (start, end).")


def found_rules(model, text: str, options: Mapping) -> dict:
    """The text's entities (or its chosen token) as the spec reads them: names, rules, the token ids, and which
    column was asked for."""
    calls = reading(options)
    tokens = model.tokenize(text, calls.get("long_text", "window"))
    ids = list(tokens.ids)
    if options.get("token") is not None:
        i = int(options["token"])
        if i >= len(ids) or tokens.special[i]:
            content = tokens.content_positions
            where = f"{content[0]} to {content[-1]}" if content else "none"
            raise InputError(f"There is no token {i} to explain: this text's tokens are {where} (special tokens "
                             "are not labelled).")
        probabilities = model.token_probabilities([ids], **calls)[0]
        label = int(np.argmax(probabilities[i]))
        name = f"token {i}: {tokens.tokens[i]} ({model.labels[label]})"
        return {"ids": ids, "names": [name], "rules": [[[[[i], label]], "first"]], "chosen": 0,
                "entities": [{"entity": model.labels[label], "score": float(probabilities[i, label]),
                              "word": tokens.tokens[i], "start": tokens.offsets[i][0], "end": tokens.offsets[i][1],
                              "index": i}]}
    found = model.entity_rules(text, options.get("aggregation", "simple"), **calls)
    if not found:
        raise InputError(f"The model finds no entity in this text (aggregation {options.get('aggregation', 'simple')!r}); "
                         "explain one token's label with token=.")
    entities = [entity for entity, _ in found]
    names = entity_names(entities, text)
    chosen = None
    if options.get("entity") is not None:
        chosen = choose(entities, names, options["entity"])
    rules = [[[[list(positions), label] for positions, label in rule.members], rule.reduce] for _, rule in found]
    return {"ids": ids, "names": names, "rules": rules, "chosen": chosen, "entities": entities}


def entity_names(entities: list[dict], text: str) -> list[str]:
    """One distinct name per entity, its words as the text writes them (the pipeline's ``word`` is the tokens
    decoded: lower-cased by an uncased tokenizer, "503 - 555"): "Paris (LOC)", a repeat "Paris (LOC) 2"."""
    names, seen = [], {}
    for entity in entities:
        words = " ".join(text[int(entity["start"]): int(entity["end"])].split()) or entity["word"].strip() or "∅"
        base = f"{words} ({entity_label(entity)})"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} {seen[base]}")
    return names


def choose(entities: list[dict], names: list[str], key) -> int:
    """The index of the entity ``key`` names (index, span or text), or one sentence."""
    if isinstance(key, int):
        if key >= len(entities):
            raise InputError(f"There is no entity {key}: the model finds {len(entities)} in this text "
                             f"(0 to {len(entities) - 1}).")
        return key
    if isinstance(key, tuple):
        for k, entity in enumerate(entities):
            if (entity["start"], entity["end"]) == key:
                return k
        overlapping = [k for k, e in enumerate(entities) if e["start"] < key[1] and key[0] < e["end"]]
        if len(overlapping) == 1:
            return overlapping[0]
        raise InputError(f"No entity the model finds spans characters {key[0]} to {key[1]}.")
    if key in names:
        return names.index(key)
    wanted = " ".join(key.split()).lower()
    matches = [k for k, (entity, name) in enumerate(zip(entities, names))
               if wanted in (entity["word"].strip().lower(), name.rsplit(" (", 1)[0].lower())]
    if matches:
        return matches[0]
    shown = ", ".join(repr(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
    raise InputError(f"The model finds no entity {key!r} in this text; it finds {shown}.")


def read_rules(text: str, n_labels: int) -> dict:
    """``entity_rules`` read back and checked, or one sentence."""
    try:
        found = json.loads(text)
        ids, names, rules = found["ids"], found["names"], found["rules"]
        ok = (all(isinstance(i, int) for i in ids) and len(names) == len(rules) and names and all(
            isinstance(n, str) for n in names) and all(
            reduce in ("first", "mean", "max") and members and all(
                positions and all(isinstance(p, int) and 0 <= p < len(ids) for p in positions)
                and isinstance(label, int) and 0 <= label < n_labels for positions, label in members)
            for members, reduce in rules))
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise InputError("entity_rules is not what the studio fills in; leave it empty (it is read from the text).")
    return found


def column_of(names: tuple[str, ...], target: str) -> int:
    if target in names:
        return names.index(target)
    raise InputError(f"{target!r} is not one of the text's entities ({', '.join(map(repr, names[:8]))}"
                     f"{', …' if len(names) > 8 else ''}).")


def contrast_rules(labels: list[str], rules: list[EntityRule], contrast) -> list[EntityRule]:
    """The same members tagged ``contrast``: an entity type ("ORG": B-ORG where a member is B-, I-ORG where I-) or
    one of the model's tags ("B-ORG": every member)."""
    if not isinstance(contrast, str) or not contrast.strip():
        raise InputError("The contrast must be an entity type (e.g. 'ORG') or one of the model's tags.")
    contrast = contrast.strip()
    index = {label: i for i, label in enumerate(labels)}
    types = sorted({entity_type(label) for label in labels if label[:2] in TAG_PREFIXES})
    if contrast not in index and contrast not in types:
        raise InputError(f"The contrast {contrast!r} is neither an entity type ({', '.join(types[:12]) or 'none'}) "
                         f"nor one of the model's tags.")
    out = []
    for rule in rules:
        members = []
        for positions, label in rule.members:
            tag = labels[label]
            if contrast in index:
                other = index[contrast]
            else:
                prefix = tag[:2] if tag[:2] in TAG_PREFIXES else "B-"
                other = index.get(prefix + contrast, index.get("B-" + contrast, index.get("I-" + contrast)))
            members.append((positions, other))
        out.append(EntityRule(tuple(members), rule.reduce))
    return out


def aligned(probabilities: np.ndarray, batch, original: list[int]) -> np.ndarray:
    """(n, tokens, labels) probabilities of ``batch`` at the positions of ``original``'s tokens: a row as long as
    the original keeps its positions (a masked or replaced token is read where it stands); another (tokens removed,
    or an edited text's tokens) has the original's tokens found again in it (``difflib``'s matching blocks), a token
    no longer there read as probability 0 (the entity lost that member)."""
    from difflib import SequenceMatcher

    n = len(original)
    out = np.zeros((len(batch), n, probabilities.shape[2]))
    for row, seq in enumerate(batch):
        seq = list(seq)
        if len(seq) == n:
            out[row] = probabilities[row, :n]
            continue
        for a, b, size in SequenceMatcher(None, original, seq, autojunk=False).get_matching_blocks():
            out[row, a: a + size] = probabilities[row, b: b + size]
    return out
