"""Integrated Jacobians (Moeller, Nikolaev and Padó, 2023, "An Attribution Method for Siamese Encoders"):
which unit of A matches which unit of B, exact by construction.

With e(x) the unit-length sentence vector, the cosine similarity is e(a)·e(b), and for references r_a, r_b

    cos(a, b) - cos(r_a, b) - cos(a, r_b) + cos(r_a, r_b) = (e(a) - e(r_a))·(e(b) - e(r_b)).

Each difference is a path integral of the encoder's Jacobian from the reference to the text in the input
embeddings (as Integrated Gradients, for a vector output): e(a) - e(r_a) = sum_i c_i with
c_i = ∫ J(r_a + t(a - r_a)) (a_i - r_a,i) dt, unit i's share. So M[i, j] = c_i^a · c_j^b adds up to the
double difference, up to the integral's numerical error, reported as ``gap`` (as IG's completeness gap).
The reference is the text with every content token replaced by the mask token (``baseline="pad"``: the pad
token), special tokens kept, as IG's baseline and SHAP's empty input.

How: c_i is a Jacobian-vector product, computed in forward mode (``torch.func.jvp``): one pass per unit and
path point gives the whole D-dimensional vector, where reverse mode would need one pass per output dimension
(384 for MiniLM, against some 20 units). The two sides are integrated apart, so explaining (b, a) gives
exactly the transposed matrix. Gauss-Legendre points, as captum's default for IG: measured on the bundled
MiniLM (a 9-word and a 6-word text), the sum misses the double difference by 30% at 4 steps, 1.4% at 8,
0.6% at 16, 0.005% at 32 and 2e-7 at 64; every cell is within 2e-5 of the 64-step value at 32 steps. The
default, "auto", starts at 16 steps and doubles them until the sum is within 1% (``python -m bench.pairs``:
a 21 x 20-word pair took 16 steps, its cells within 1.4% of the largest of the 128-step matrix). A forward-mode
pass costs about 3 plain forwards on CPU, so a pair of 20-word texts at 16 steps reads like 1,300 forwards.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from model.budget import active
from model.params import Param

from ..completeness import TOLERANCE
from ..methods.ig import baseline_ids
from .base import PairMethod, PairResult
from .sides import Side

AUTO_START, AUTO_CAP = 16, 512


def points(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss-Legendre weights and points on [0, 1] (captum's, which IG uses)."""
    from captum.attr._utils.approximation_methods import approximation_parameters

    sizes, alphas = approximation_parameters("gausslegendre")
    return torch.tensor(sizes(steps), dtype=torch.float64), torch.tensor(alphas(steps), dtype=torch.float64)


def rows_per_pass(model, side: Side) -> int:
    """Path points per forward: the model's batch over the windows one text is read as."""
    read = getattr(model, "windows_read", None)
    windows = len(read(side.tokenized.ids)) if read is not None else 1
    return max(1, model.batch_size // max(1, windows))


class Integrator:
    """One side's integral: the unit vectors c_i (units, D) in float64, e(text) and e(reference)."""

    def __init__(self, model, side: Side, baseline: str):
        self.model, self.side = model, side
        layer = model.input_embeddings()
        self.ids, self.mask = model.id_tensors([side.tokenized.ids])
        with torch.no_grad():
            self.embeds = layer(self.ids)[0]
            self.reference = layer(model.id_tensors([baseline_ids(model, side.tokenized, baseline)])[0])[0]
            self.vector = self.encode(self.embeds[None])[0].double().cpu()
            self.reference_vector = self.encode(self.reference[None])[0].double().cpu()
        self.delta = self.embeds - self.reference

    def encode(self, embeds: torch.Tensor) -> torch.Tensor:
        """Unit-length vectors of a batch of this text's input embeddings (its ids and mask beside them)."""
        n = embeds.shape[0]
        out = self.model.predict_embeds(embeds, self.mask.expand(n, -1), self.ids.expand(n, -1))
        return F.normalize(out.float(), p=2, dim=-1)

    def integrate(self, steps: int, on_rows) -> torch.Tensor:
        weights, alphas = points(steps)
        units = self.side.positions
        rows = [(s, u) for s in range(steps) for u in range(len(units))]
        chunk = rows_per_pass(self.model, self.side)
        out = None
        delta = self.delta
        for begin in range(0, len(rows), chunk):
            part = rows[begin:begin + chunk]
            which = torch.tensor([s for s, _ in part])
            at = alphas[which].to(delta.device, delta.dtype)[:, None, None]
            path = (self.reference[None] + at * delta[None]).contiguous()
            tangent = torch.zeros_like(path)
            for row, (_, u) in enumerate(part):
                tangent[row, list(units[u])] = delta[list(units[u])]
            with torch.no_grad():
                _, jvp = torch.func.jvp(self.encode, (path,), (tangent,))
            jvp = jvp.double().cpu() * weights[which][:, None]
            if out is None:
                out = torch.zeros(len(units), jvp.shape[1], dtype=torch.float64)
            out.index_add_(0, torch.tensor([u for _, u in part]), jvp)
            on_rows(len(part))
        return out


class IntegratedJacobians(PairMethod):
    NAME = "integrated_jacobians"
    LABEL = "Integrated Jacobians"
    DESCRIPTION = ("Integrated Jacobians: each pair of words' share of the similarity's change from the texts with "
                   "every word masked, from the encoder's Jacobian integrated along both texts' paths; the matrix adds "
                   "up to that change, up to a reported numerical gap.")
    PARAMS = (
        Param("steps", "int", "auto", 2, AUTO_CAP, f"points of each text's path integral (Gauss-Legendre); "
              f"'auto' (the default) doubles them from {AUTO_START} until the matrix misses its total by at most 1% "
              f"({AUTO_CAP} at most)", also=("auto",), budget=True, label="Integration steps", ui_high=128, step=2),
        Param("baseline", "choice", "mask", help="the reference each path starts from: the text with every content "
              "token masked, or padded", choices=("mask", "pad"), label="Reference"),
    )

    def planned(self, model, a: Side, b: Side, params: dict) -> int:
        steps = AUTO_START if params["steps"] == "auto" else params["steps"]
        return 4 + steps * (len(a.units) + len(b.units))  # ("auto": its first round; more rounds raise the plan)

    def explain(self, model, a, b, *, params, budget, progress) -> PairResult:
        planned = self.planned(model, a, b, params)
        done = 4

        def on_rows(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, max(planned, done))
            budget.check("integrating the Jacobians")
            budget.forecast(done, planned)

        with active(budget):
            side_a, side_b = Integrator(model, a, params["baseline"]), Integrator(model, b, params["baseline"])
            terms = {"cos(a, b)": float(side_a.vector @ side_b.vector),
                     "cos(reference a, b)": float(side_a.reference_vector @ side_b.vector),
                     "cos(a, reference b)": float(side_a.vector @ side_b.reference_vector),
                     "cos(reference a, reference b)": float(side_a.reference_vector @ side_b.reference_vector)}
            expected = float((side_a.vector - side_a.reference_vector) @ (side_b.vector - side_b.reference_vector))
            steps = AUTO_START if params["steps"] == "auto" else params["steps"]
            while True:
                units_a, units_b = side_a.integrate(steps, on_rows), side_b.integrate(steps, on_rows)
                matrix = (units_a @ units_b.T).numpy()
                gap = abs(float(matrix.sum()) - expected) / max(abs(expected), 1e-12)
                if params["steps"] != "auto" or gap <= TOLERANCE or steps >= AUTO_CAP:
                    break
                steps = min(2 * steps, AUTO_CAP)
                planned = done + steps * (len(a.units) + len(b.units))
        reference = "masked" if params["baseline"] == "mask" else "padded"
        note = (f"Integrated Jacobians: the matrix adds up to cos(a, b) {terms['cos(a, b)']:.4f} − cos({reference} a, b) "
                f"{terms['cos(reference a, b)']:.4f} − cos(a, {reference} b) {terms['cos(a, reference b)']:.4f} + "
                f"cos({reference} a, {reference} b) {terms['cos(reference a, reference b)']:.4f} = {expected:.4f}, "
                f"missed by {gap:.2%} with {steps} steps.")
        if gap > TOLERANCE:
            note += " That is more than 1%: raise the steps or choose 'auto'."
        return PairResult(matrix=matrix, expected_sum=expected, note=note, terms=terms,
                          meta={"steps_used": steps, "completeness_gap": gap, "baseline": params["baseline"],
                                "evaluations": done})
