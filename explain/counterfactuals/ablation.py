"""``ablation_flip``: words ranked by how much deleting each one alone moves the target the way that
changes the answer; subsets of the top candidates are then deleted, smallest first (the search makes
every returned set minimal: no strict subset of it changes the answer)."""
from __future__ import annotations

from .base import Context, Generator
from .edits import Edit, apply_edits, exact

CANDIDATES = 8  # the words (by effect) whose subsets are tried


class AblationFlip(Generator):
    NAME = "ablation_flip"
    LABEL = "Delete words"
    DESCRIPTION = "Delete the fewest words that change the answer (words ranked by their effect alone)."

    def candidates(self, context: Context, params: dict) -> list[list[Edit]]:
        if not context.words:
            return []
        edits = [Edit(w.start, w.end, w.text, "") for w in context.words]
        scores = context.scores([apply_edits(context.text, exact(context.text, [e])) for e in edits])
        effect = context.direction * (scores[:, context.column] - context.original[context.column])
        order = sorted(range(len(edits)), key=lambda i: (effect[i], context.rng.random()))
        return [[edits[i]] for i in order[:CANDIDATES]]
