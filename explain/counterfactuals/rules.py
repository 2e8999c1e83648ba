"""``word_replace``: the user's rules (``great -> terrible | bad``), applied to whole words with their
case kept, one rule application at a time and then combined, fewest first (so also minimal)."""
from __future__ import annotations

import re

from model.errors import InputError
from model.params import Param

from .base import Context, Generator
from .edits import Edit, same_case

MAX_RULES = 50
MAX_RULES_CHARS = 5_000
_RULE = re.compile(r"^\s*(?P<before>[^\s>|-][^>|]*?)\s*->\s*(?P<after>.*?)\s*$")


def parse_rules(rules) -> list[tuple[str, list[str]]]:
    """``"great -> terrible | bad"`` lines (a string or a list of them) as (word, replacements)."""
    if rules is None:
        raise InputError("word_replace needs rules, one per line: great -> terrible | bad")
    lines = rules.splitlines() if isinstance(rules, str) else list(rules) if isinstance(rules, (list, tuple)) else None
    if lines is None or not all(isinstance(line, str) for line in lines):
        raise InputError("rules must be a string of lines or a list of strings, each like: great -> terrible | bad")
    parsed = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        match = _RULE.match(line)
        after = [a.strip() for a in match.group("after").split("|")] if match else []
        if not match or not all(after) or not match.group("before").strip():
            raise InputError(f"Rule {number} ({line.strip()[:60]!r}) is not like: great -> terrible | bad")
        if len(parsed) >= MAX_RULES:
            raise InputError(f"At most {MAX_RULES} rules.")
        parsed.append((match.group("before").strip(), after))
    if not parsed:
        raise InputError("The rules are empty: write one per line, like: great -> terrible | bad")
    return parsed


class WordReplace(Generator):
    NAME = "word_replace"
    LABEL = "My rules"
    DESCRIPTION = "Replace words by your rules (great -> terrible | bad), fewest replacements first."
    PARAMS = (Param("rules", "text", None, high=MAX_RULES_CHARS, label="Rules",
                    help="one per line: great -> terrible | bad (whole words, any case; the case is kept)"),)

    def candidates(self, context: Context, params: dict) -> list[list[Edit]]:
        parsed = parse_rules(params.get("rules"))
        groups = []
        for word in context.words:
            for before, after in parsed:
                if word.text.lower() == before.lower():
                    groups.append([Edit(word.start, word.end, word.text, same_case(word.text, a)) for a in after])
                    break
        return groups
