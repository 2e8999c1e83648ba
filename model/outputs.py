"""What is explained, chosen per call: ``explain(..., output="log_probability")``.

A method explains a function of the model's outputs; which function is a seam of its own, apart from the method
and the task (inseq's "attributed function"). Each ``Output`` names one, says which tasks offer it, and computes
it from what that task reads off the model:

* classification reads the **logits** (n, labels) (``multi``: a multi-label head, a sigmoid per label);
* zero-shot reads the candidates' scores s as the zero-shot model gives them and hands over logits that give
  them back: log s (one label: the scores are a softmax, so log s is a logit up to a constant per input) or
  log s - log(1 - s) (several labels can be true: a sigmoid each);
* generation reads each continuation position's next-token distribution inside the model (``model.kinds.
  generation``: log-probability, probability and entropy there), so its outputs are the built-in ones.

Every output has a column per label (per continuation token), among which the target chooses, so the
prediction, the target and the answer stay the model's own whatever is explained. ``register_output`` adds one
from outside (a plugin), for classification or zero-shot; the task's ``output`` option then offers it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .errors import InputError
from .params import Param
from .registries import Registry

TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class Output:
    """``numpy(logits, multi)`` / ``torch(logits, multi)``: the explained quantity (n, labels) from the logits
    the task reads (n, labels), the same maths in both (gradient methods use the torch one)."""

    NAME: str
    DESCRIPTION: str
    TASKS: tuple[str, ...]
    numpy: Callable[[np.ndarray, bool], np.ndarray] | None = None
    torch: Callable[[torch.Tensor, bool], torch.Tensor] | None = None
    LABEL: str = ""  # its name in the page ("log-probability"); default NAME with spaces

    @property
    def label(self) -> str:
        return self.LABEL or self.NAME.replace("_", " ")


def _check(output: Output, outputs: Registry) -> None:
    if not isinstance(output, Output):
        raise InputError("register_output takes an Output.")
    if not output.DESCRIPTION.strip() or not output.TASKS:
        raise InputError(f"Output {output.NAME!r} needs a DESCRIPTION and the TASKS that offer it.")
    computed = [t for t in output.TASKS if t not in BUILT_IN_ONLY]
    if computed and (output.numpy is None or output.torch is None) and output.NAME not in MODEL_OWN:
        raise InputError(f"Output {output.NAME!r} needs numpy and torch functions of the task's values.")


OUTPUTS: Registry[Output] = Registry("output", check=_check)
BUILT_IN_ONLY = ("generation",)  # (its outputs are computed inside the decoder: see the module's docstring)
MODEL_OWN = ("probability", "logit", "score", "entropy")  # what the models compute themselves (each task's own path)


_LISTENERS: list[Callable[[], None]] = []  # (the task registry: each task's ``output`` option lists what it offers)


def on_change(listener: Callable[[], None]) -> None:
    _LISTENERS.append(listener)


def register_output(output: Output, *, built_in: bool = False) -> Output:
    """Add an explained output; the tasks it names offer it as ``output=`` from then on."""
    if isinstance(output, Output) and not built_in and set(output.TASKS) & set(BUILT_IN_ONLY):
        raise InputError(f"Output {output.NAME!r}: a generation's outputs are read inside the decoder; a plugin "
                         "output can be for classification or zero-shot.")
    OUTPUTS.register(output, built_in=built_in)
    for listener in _LISTENERS:
        listener()
    return output


def unregister_output(name: str) -> None:
    """Remove an output registered from outside; built-in ones stay."""
    OUTPUTS.unregister(name)
    for listener in _LISTENERS:
        listener()


def output_option(task: str, default: str) -> Param:
    """The ``output`` option of a task that offers several outputs: its choices are the outputs it offers."""
    return Param("output", "choice", default, choices=offered(task), label="Output explained",
                 help="what the explanation explains: " + ", ".join(OUTPUTS[name].label for name in offered(task)))


def offered(task: str) -> tuple[str, ...]:
    """The outputs ``task`` offers, in registration order."""
    return tuple(name for name, output in OUTPUTS.items() if task in output.TASKS)


def checked(task: str, name: object) -> Output:
    """The output ``name`` if ``task`` offers it, or one sentence."""
    names = offered(task)
    if name not in names:
        raise InputError(f"A {task} model explains one of these outputs: {', '.join(names)}; not {name!r}.")
    return OUTPUTS[name]


# ----------------------------------------------------------------------------- the maths, NumPy and torch alike
def _log_probability(values, multi):
    if isinstance(values, torch.Tensor):
        return torch.nn.functional.logsigmoid(values) if multi else torch.log_softmax(values, dim=-1)
    values = np.asarray(values, dtype=np.float64)
    if multi:
        return -np.logaddexp(0.0, -values)
    shifted = values - values.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _margin(values, multi):
    """Each label's logit minus the largest other label's (multi-label: minus 0, the decision boundary)."""
    if isinstance(values, torch.Tensor):
        if multi:
            return values
        k = values.shape[-1]
        eye = torch.eye(k, dtype=torch.bool, device=values.device)
        others = values[:, None, :].expand(-1, k, -1).masked_fill(eye, float("-inf")).amax(-1)
        return values - others
    values = np.asarray(values, dtype=np.float64)
    if multi:
        return values
    k = values.shape[1]
    others = np.where(np.eye(k, dtype=bool)[None], -np.inf, values[:, None, :]).max(-1)
    return values - others


def logits_of_scores(scores, multi):
    """Zero-shot scores as logits that give them back (see the module's docstring); a score of 0 or 1 is
    held at the smallest float from it."""
    if isinstance(scores, torch.Tensor):
        tiny = torch.finfo(scores.dtype).tiny
        logs = torch.log(scores.clamp_min(tiny))
        return logs - torch.log((1 - scores).clamp_min(tiny)) if multi else logs
    scores = np.asarray(scores, dtype=np.float64)
    logs = np.log(np.maximum(scores, TINY))
    return logs - np.log(np.maximum(1 - scores, TINY)) if multi else logs


_C, _Z, _G = "classification", "zero-shot", "generation"
for _output in (
    # probability and logit: the classifier computes them itself (``ClassifierModel._answer``)
    Output("probability", "the probability of the label (of the token, for a decoder)", (_C, _G), LABEL="probability"),
    Output("score", "the candidate label's score, as the zero-shot model gives it", (_Z,)),
    Output("log_probability", "the log of the probability (of the score, for zero-shot); a decoder's default",
           (_C, _Z, _G), numpy=_log_probability, torch=_log_probability, LABEL="log-probability"),
    Output("logit", "the label's logit, before the softmax (linear methods add up exactly)", (_C,)),
    Output("margin", "the label's logit minus the largest other label's: how far it is from losing the top place",
           (_C,), numpy=_margin, torch=_margin),
    Output("entropy", "the entropy in nats of the next-token distribution each continuation token was read from: "
           "how unsure the model was there (whatever token it wrote)", (_G,)),
):
    register_output(_output, built_in=True)
