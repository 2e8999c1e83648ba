"""Pair occlusion: how much unit i of A and unit j of B count *together* (a black-box interaction).

    M[i, j] = f(a, b) - f(a without i, b) - f(a, b without j) + f(a without i, b without j)

with f the cosine similarity. A unit is removed by deleting its tokens (``removal="delete"``, the default, as
the scorecard's ERASER measures delete them) or, as single-text occlusion removes it, by writing the mask token
over them (``removal="mask"``). Why delete by default, measured on the bundled MiniLM ("A man is playing a guitar
on the stage." / "Someone performs music with an instrument.", cosine 0.58): one [MASK] in each text makes the
two texts 0.69-0.82 similar whichever words it hides, so every masked pair reads about +0.5 (29.0 in all) and the
strongest "matches" include guitar / "Someone" and guitar / "."; deleted, the pairs are guitar / instrument +0.066,
guitar / music +0.028, stage / performs +0.028, playing / performs +0.024, and the matrix adds up to 0.13.
Positive: the two count for the similarity
together (a match: removing either loses it, removing both loses it once); negative: together they count
against it. Every text with one unit hidden is read once (n_a + 1 and n_b + 1 sequences, each side in one
batch), so the whole matrix costs as much as occluding each side alone. Its ``expected_sum`` is what it
adds up to: interactions are not a decomposition of the similarity.
"""
from __future__ import annotations

from model.params import Param

from .base import PairMethod, PairResult, similarities
from .sides import Side

REMOVALS = ("delete", "mask")


def hidden(model, side: Side, removal: str) -> list[list[int]]:
    """The text's ids, then the text with each unit in turn deleted or written over with the mask token."""
    ids = list(side.tokenized.ids)
    out = [ids]
    for positions in side.positions:
        gone = set(positions)
        if removal == "delete":
            out.append([token for k, token in enumerate(ids) if k not in gone])
        else:
            out.append([model.mask_token_id if k in gone else token for k, token in enumerate(ids)])
    return out


class PairOcclusion(PairMethod):
    NAME = "pair_occlusion"
    LABEL = "Pair occlusion"
    DESCRIPTION = ("Pair occlusion: how a word of A and a word of B count together, from the similarity with "
                   "either or both removed; black box, one model input per word of either text.")
    PARAMS = (Param("removal", "choice", "delete", choices=REMOVALS, label="Removal",
                    help="how a word is removed: its tokens deleted, or written over with the mask token"),)

    def planned(self, model, a: Side, b: Side, params: dict) -> int:
        return len(a.units) + len(b.units) + 2

    def explain(self, model, a, b, *, params, budget, progress) -> PairResult:
        budget.check("removing the words")
        s = similarities(model, hidden(model, a, params["removal"]), hidden(model, b, params["removal"]))
        if progress is not None:
            progress(self.planned(model, a, b, params), self.planned(model, a, b, params))
        matrix = s[0, 0] - s[1:, :1] - s[:1, 1:] + s[1:, 1:]
        total = float(matrix.sum())
        how = "deleting" if params["removal"] == "delete" else "masking"
        note = (f"Pair occlusion ({how} words): each value is how much less removing both words lowers the similarity "
                f"than removing each alone (positive: the two count together, as a match). Interactions are not "
                f"shares of the similarity ({s[0, 0]:.4f}): the matrix adds up to {total:.4f}.")
        return PairResult(matrix=matrix, expected_sum=total, note=note, terms={"cos(a, b)": float(s[0, 0])},
                          meta={"evaluations": int(s.shape[0] + s.shape[1]),
                                "without_a": (s[0, 0] - s[1:, 0]).tolist(), "without_b": (s[0, 0] - s[0, 1:]).tolist()})
