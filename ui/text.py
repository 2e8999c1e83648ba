"""The Markdown beside the charts: an explanation's notes, the headline faithfulness scores, the
top labels. Every user or model string in them goes through ``safe.markdown``."""
from __future__ import annotations

from explain.charts.explanation import notes

from .locale import say
from .safe import markdown

TOP_K = 5


def bullets(lines) -> str:
    """Lines (already safe Markdown) as a list; empty lines dropped."""
    return "\n".join(f"- {line}" for line in lines if line)


def explanation_notes(*explanations, target: int | str = 0, sides: tuple[str, ...] = ()) -> list[str]:
    """The explanations' notes as safe Markdown lines (each side's notes prefixed with its name)."""
    lines: list[str] = []
    for index, e in enumerate(explanations):
        prefix = f"{sides[index]}: " if index < len(sides) else ""
        lines += [prefix + note for note in notes(e, target) if prefix + note not in lines]
    return [markdown(say(line)) for line in lines]  # (in the request's language: ui.locale)


def faithfulness(card, prefix: str = "") -> str:
    """The two headline scores in one sentence, each beside the random control (safe Markdown)."""
    if card is None:
        return ""
    comprehensiveness, sufficiency = card.values["comprehensiveness"], card.values["sufficiency"]
    return markdown(prefix) + say(
        "Faithfulness (ERASER, removing or keeping only the top 1–50% of the words): "
        f"comprehensiveness {comprehensiveness.value:.3f} against {comprehensiveness.random:.3f} for a random "
        f"ranking (higher is better); sufficiency {sufficiency.value:.3f} against {sufficiency.random:.3f} "
        "(lower is better).")


def top_labels(labels, scores, k: int = TOP_K) -> dict[str, float]:
    """The k highest-scoring labels, for a ``gr.Label``."""
    order = sorted(range(len(labels)), key=lambda i: -float(scores[i]))[:k]
    return {labels[i]: float(scores[i]) for i in order}


def prediction(task, e, k: int = TOP_K) -> dict | str:
    """What a page shows as an explanation's prediction: the labels' probabilities (for a ``gr.Label``), or for a
    task whose outputs are scores (``Task.PROBABILITIES = False``), each as a number with the task's answer."""
    if task.PROBABILITIES:
        return top_labels(e.labels, e.probabilities, k=k)
    return scores_line(task, e.labels, e.probabilities, e.meta.get("options", {}))


def scores_line(task, labels, scores, options) -> str:
    """A task's scores as numbers with its answer (safe Markdown): "**intense** · intensity: level +1.002"."""
    answer = task.answer(tuple(labels), scores, options) if len(labels) else "—"
    if list(labels) == [task.OUTPUT]:  # one output, named as the task names it: the number alone
        said = f"{float(scores[0]):+.4g}"
    else:
        said = ", ".join(f"{markdown(label)} {value:+.4g}" for label, value in zip(labels, scores))
    return f"**{markdown(answer)}** · {markdown(task.OUTPUT or 'score')}: {said}"


def compared_output(e) -> int | str:
    """The output a comparison of methods explains: the only one explained, else the top one, by name (Zero-shot
    explains every candidate label)."""
    if len(e.targets) <= 1 or not len(e.probabilities):
        return 0
    best = e.labels[int(e.probabilities.argmax())]
    return best if best in e.targets else 0
