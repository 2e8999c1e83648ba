"""``PairExplanation``: how much each pair of units (a word of text A, a word of text B) adds to two
texts' similarity, with a JSON round-trip and a CSV of one row per pair.

``matrix[i, j]`` is the pair (unit i of A, unit j of B); its row sums are what each unit of A adds,
its column sums what each unit of B adds; the whole matrix adds up to ``expected_sum`` (for integrated
Jacobians the double difference of cosines in ``terms``, up to the reported numerical ``gap``).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from model.errors import InputError

from ..text.units import FrozenDict, freeze, thaw
from .sides import PairUnit

SCHEMA_VERSION = 1


def _frozen(values) -> np.ndarray:
    out = np.array(values, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def _unit(value) -> PairUnit:
    if isinstance(value, PairUnit):
        return value
    if isinstance(value, Mapping):
        return PairUnit(**{f.name: (tuple(value[f.name]) if f.name == "tokens" else value[f.name])
                           for f in fields(PairUnit)})
    raise InputError("A unit must be a PairUnit or a mapping of its fields.")


@dataclass(frozen=True)
class Match:
    """One cell of the matrix, for lists of the strongest matches."""

    a: int
    b: int
    unit_a: str
    unit_b: str
    value: float


@dataclass(frozen=True)
class PairExplanation:
    model: str
    method: str
    granularity: str
    text_a: str
    text_b: str
    units_a: tuple[PairUnit, ...]
    units_b: tuple[PairUnit, ...]
    matrix: np.ndarray  # (len(units_a), len(units_b))
    similarity: float  # the model's cosine similarity of the two texts
    expected_sum: float  # what the matrix adds up to for this method
    terms: Mapping = field(default_factory=FrozenDict)  # the similarities expected_sum is made of, by name
    note: str = ""
    seconds: float = 0.0
    meta: Mapping = field(default_factory=FrozenDict)  # params, steps used, gap, evaluations, model revision

    def __post_init__(self):
        units_a, units_b = tuple(_unit(u) for u in self.units_a), tuple(_unit(u) for u in self.units_b)
        matrix = _frozen(self.matrix)
        if matrix.shape != (len(units_a), len(units_b)):
            raise InputError(f"The matrix is {matrix.shape}, not one row per unit of A and one column per unit of B "
                             f"({len(units_a)}, {len(units_b)}).")
        for name, value in (("units_a", units_a), ("units_b", units_b), ("matrix", matrix),
                            ("terms", freeze(dict(self.terms))), ("meta", freeze(dict(self.meta))),
                            ("similarity", float(self.similarity)), ("expected_sum", float(self.expected_sum)),
                            ("seconds", float(self.seconds))):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ reading it
    @property
    def total(self) -> float:
        """What the matrix adds up to."""
        return float(self.matrix.sum())

    @property
    def gap(self) -> float:
        """|total - expected_sum| relative to |expected_sum| (the completeness gap; 0 for a sum by definition)."""
        return abs(self.total - self.expected_sum) / max(abs(self.expected_sum), 1e-12)

    @property
    def row_totals(self) -> np.ndarray:
        """What each unit of A adds (its row's sum)."""
        return self.matrix.sum(axis=1)

    @property
    def column_totals(self) -> np.ndarray:
        """What each unit of B adds (its column's sum)."""
        return self.matrix.sum(axis=0)

    def strongest(self, k: int = 10, sign: int = 0) -> list[Match]:
        """The ``k`` largest pairs by size (``sign`` 1: only those that raise the sum, -1: only those that lower it)."""
        if k < 1:
            return []
        values = self.matrix.ravel()
        order = np.argsort(-(values * sign if sign else np.abs(values)), kind="stable")
        out = []
        for flat in order:
            value = float(values[flat])
            if sign and value * sign <= 0:
                break
            i, j = divmod(int(flat), self.matrix.shape[1])
            out.append(Match(i, j, self.units_a[i].text, self.units_b[j].text, value))
            if len(out) >= k:
                break
        return out

    def transposed(self) -> PairExplanation:
        """The same explanation read from B's side (what explaining (b, a) gives)."""
        return PairExplanation(self.model, self.method, self.granularity, self.text_b, self.text_a, self.units_b,
                               self.units_a, self.matrix.T, self.similarity, self.expected_sum, self.terms, self.note,
                               self.seconds, self.meta)

    # ------------------------------------------------------------------ writing it
    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "kind": "pair", "model": self.model, "method": self.method,
                "granularity": self.granularity, "text_a": self.text_a, "text_b": self.text_b,
                "units_a": [_unit_dict(u) for u in self.units_a], "units_b": [_unit_dict(u) for u in self.units_b],
                "matrix": self.matrix.tolist(), "row_totals": self.row_totals.tolist(),
                "column_totals": self.column_totals.tolist(), "similarity": self.similarity,
                "expected_sum": self.expected_sum, "total": self.total, "gap": self.gap, "terms": thaw(self.terms),
                "note": self.note, "seconds": self.seconds, "meta": thaw(self.meta)}

    @classmethod
    def from_dict(cls, data: Mapping) -> PairExplanation:
        if not isinstance(data, Mapping) or data.get("kind") != "pair":
            raise InputError("This is not a word-pair explanation (its 'kind' is not 'pair').")
        if data.get("schema_version", 0) > SCHEMA_VERSION:
            raise InputError(f"This word-pair explanation was written by a newer version (schema "
                             f"{data['schema_version']}); this one reads up to {SCHEMA_VERSION}.")
        return cls(data["model"], data["method"], data["granularity"], data["text_a"], data["text_b"],
                   data["units_a"], data["units_b"], data["matrix"], data["similarity"], data["expected_sum"],
                   data.get("terms", {}), data.get("note", ""), data.get("seconds", 0.0), data.get("meta", {}))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per pair: both units (index, text, char span), the value, and what was explained."""
        from ..io.export import cell

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["model", "method", "granularity", "similarity", "expected_sum", "a_index", "a_unit", "a_start",
                         "a_end", "b_index", "b_unit", "b_start", "b_end", "value"])
        fixed = [cell(self.model), self.method, self.granularity, f"{self.similarity:.8g}", f"{self.expected_sum:.8g}"]
        for i, a in enumerate(self.units_a):
            for j, b in enumerate(self.units_b):
                writer.writerow(fixed + [i, cell(a.text), a.start, a.end, j, cell(b.text), b.start, b.end,
                                         f"{self.matrix[i, j]:.8g}"])
        return out.getvalue()


def _unit_dict(unit: PairUnit) -> dict:
    return {"text": unit.text, "start": unit.start, "end": unit.end, "tokens": list(unit.tokens)}
